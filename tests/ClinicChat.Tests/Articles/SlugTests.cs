using ClinicChat.Articles;

namespace ClinicChat.Tests.Articles;

public sealed class SlugTests
{
    [Theory]
    [InlineData("Demam Berdarah Dengue (DBD)", "demam-berdarah-dengue-dbd")]
    [InlineData("  Kapan   Anak Perlu ke Dokter?  ", "kapan-anak-perlu-ke-dokter")]
    [InlineData("Café à la crème – déjà vu", "cafe-a-la-creme-deja-vu")]
    [InlineData("Imunisasi MR 2024: 9 bulan & 18 bulan", "imunisasi-mr-2024-9-bulan-18-bulan")]
    [InlineData("Straße, Æsop, Łódź", "strasse-aesop-lodz")]
    [InlineData("🤒🤒🤒", "artikel")]
    [InlineData("---", "artikel")]
    public void ATitleSuggestsALowercaseAsciiSlug(string title, string slug)
    {
        Assert.Equal(slug, Slugs.FromTitle(title));
        Assert.True(Slugs.IsValid(slug));
    }

    [Fact]
    public void ALongTitleGivesASlugWithinTheLimit()
    {
        var slug = Slugs.FromTitle(string.Join(' ', Enumerable.Repeat("kesehatan", 30)));

        Assert.True(slug.Length <= Slugs.MaxLength);
        Assert.True(Slugs.IsValid(slug), slug);
        Assert.True(Slugs.IsValid(Slugs.WithSuffix(slug, 12)));
        Assert.EndsWith("-12", Slugs.WithSuffix(slug, 12));
    }

    [Theory]
    [InlineData("demam-anak", true)]
    [InlineData("a", true)]
    [InlineData("covid-19", true)]
    [InlineData("Demam", false)]
    [InlineData("demam--anak", false)]
    [InlineData("-demam", false)]
    [InlineData("demam_anak", false)]
    [InlineData("demam anak", false)]
    [InlineData("", false)]
    public void OnlyLowercaseLettersDigitsAndSingleHyphensAreValid(string slug, bool valid) => Assert.Equal(valid, Slugs.IsValid(slug));
}
