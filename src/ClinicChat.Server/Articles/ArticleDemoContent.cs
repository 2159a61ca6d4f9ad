namespace ClinicChat.Articles;

/// <summary>Development demo content: two categories and three short published articles, so ./run has something to read.</summary>
internal static class ArticleDemoContent
{
    public static async Task SeedAsync(ArticleStore articles, Guid adminId, CancellationToken cancellationToken)
    {
        var daily = await CategoryAsync(articles, "Kesehatan sehari-hari", adminId, cancellationToken);
        var children = await CategoryAsync(articles, "Kesehatan anak", adminId, cancellationToken);

        await PublishedAsync(articles, daily, "Demam: kapan perlu ke dokter?", """
            Demam adalah cara tubuh melawan infeksi. Sebagian besar demam ringan membaik dalam dua sampai tiga hari.

            ## Yang bisa dilakukan di rumah

            - Minum air putih yang cukup.
            - Istirahat dan pakai pakaian yang tipis.
            - Ukur suhu dua kali sehari.

            ## Segera konsultasi bila

            1. Suhu **39 °C atau lebih** selama lebih dari dua hari.
            2. Muncul ruam, sesak napas, atau sangat lemas.

            Anda bisa [konsultasi dengan dokter](/doctors) lewat ClinicChat.
            """, adminId, cancellationToken);
        await PublishedAsync(articles, children, "Jadwal imunisasi anak", """
            Imunisasi melindungi anak dari penyakit yang berbahaya. Catat setiap imunisasi di buku KIA.

            | Usia | Imunisasi |
            | --- | --- |
            | 0 bulan | Hepatitis B, BCG, Polio |
            | 2 bulan | DPT-HB-Hib, Polio |
            | 9 bulan | Campak-Rubella |

            Tanyakan jadwal yang tepat kepada dokter anak atau bidan Anda.
            """, adminId, cancellationToken);
        await PublishedAsync(articles, daily, "Staying hydrated in hot weather", """
            In hot and humid weather the body loses water quickly through sweat.

            - Drink water regularly, before you feel thirsty.
            - Pale yellow urine is a good sign; dark urine means *drink more*.
            - Children and older people need extra attention.

            See a doctor if dizziness, confusion or a very high temperature appears.
            """, adminId, cancellationToken);
    }

    private static async Task<Guid> CategoryAsync(ArticleStore articles, string name, Guid adminId, CancellationToken cancellationToken) =>
        (await articles.CreateCategoryAsync(name, null, adminId, cancellationToken)).Value!.Id;

    private static async Task PublishedAsync(ArticleStore articles, Guid categoryId, string title, string body, Guid adminId, CancellationToken cancellationToken)
    {
        var created = await articles.CreateAsync(title, null, categoryId, body, adminId, cancellationToken);
        await articles.PublishAsync(created.Value!.Id, null, adminId, cancellationToken);
    }
}
