using System.Net.Http.Json;
using ClinicChat.Tests.Infrastructure;
using Microsoft.Playwright;

namespace ClinicChat.BrowserTests;

/// <summary>
/// The real server (serving the web client built into wwwroot by ./test) with its own database, and one
/// headless Debian Chromium. Each test opens its own browser context, so sessions never leak between tests.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private static readonly string[] ChromiumArgs =
    [
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic",
    ];

    private IPlaywright? _playwright;

    public ClinicChatApp App { get; } = new();

    public IBrowser Browser { get; private set; } = null!;

    public static string ScreenshotDirectory { get; } = Path.Combine(RepositoryRoot(), "artifacts", "screenshots");

    public async ValueTask InitializeAsync()
    {
        await App.InitializeAsync();
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            // Debian's Chromium: Playwright's own browser download is not available on these machines.
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ChromiumArgs,
        });
        Directory.CreateDirectory(ScreenshotDirectory);
        // Real-time assertions wait for a server round trip and a render on two shared cores: give them room.
        SetDefaultExpectTimeout(15_000);
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
        await App.DisposeAsync();
    }

    /// <summary>
    /// A fresh browser context (its own storage) at phone width unless told otherwise, with the client in
    /// <paramref name="language"/> as if the user had chosen it (null: the clinic's default, Indonesian).
    /// </summary>
    public Task<BrowserPage> OpenAsync(int width = 375, int height = 812, string? language = "en") => OpenAsync(App, width, height, language);

    /// <summary>A fresh browser context on another server (a test class with its own configuration).</summary>
    public async Task<BrowserPage> OpenAsync(ClinicChatApp app, int width = 375, int height = 812, string? language = "en")
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = app.BaseAddress.ToString().TrimEnd('/'),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Locale = "id-ID",
            TimezoneId = "Asia/Jakarta",
        });
        context.SetDefaultTimeout(15_000);
        if (language is not null)
        {
            // Only when unset, so that a test switching languages in the page keeps its choice across reloads.
            await context.AddInitScriptAsync(
                $"if (!localStorage.getItem('clinicchat.language')) localStorage.setItem('clinicchat.language', '{language}');");
        }
        var page = await context.NewPageAsync();
        return new BrowserPage(context, page);
    }

    /// <summary>Creates a doctor with a profile and a schedule that covers the test clock's Monday 10:00 in Jakarta.</summary>
    public Task<TestUser> CreateDoctorAsync(string displayName, string specialty, long fee) => CreateDoctorAsync(App, displayName, specialty, fee);

    public static async Task<TestUser> CreateDoctorAsync(ClinicChatApp app, string displayName, string specialty, long fee)
    {
        var doctor = await app.CreateStaffAsync("doctor", displayName);
        var admin = await app.AdminAsync();
        (await admin.Http.PutAsJsonAsync($"/api/v1/doctors/{doctor.Id}/profile", new { specialty, fee, bio = "" })).EnsureSuccessStatusCode();
        (await admin.Http.PutAsJsonAsync($"/api/v1/doctors/{doctor.Id}/schedule",
            new[] { new { dayOfWeek = "Monday", start = "08:00", end = "17:00" } })).EnsureSuccessStatusCode();
        return doctor;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ClinicChat.slnx")))
            {
                return dir.FullName;
            }
        }

        return Path.GetTempPath();
    }
}

/// <summary>One browser context and its page, collecting what would reveal a broken page: errors and dialogs.</summary>
public sealed class BrowserPage : IAsyncDisposable
{
    private readonly List<string> _problems = [];

    public BrowserPage(IBrowserContext context, IPage page)
    {
        Context = context;
        Page = page;
        // Console errors include CSP violations, so a page that needs an inline script fails its test.
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && !IsExpectedHttpError(message.Text))
            {
                _problems.Add($"console: {message.Text}");
            }
        };
        page.PageError += (_, error) => _problems.Add($"page error: {error}");
        page.Dialog += async (_, dialog) =>
        {
            Dialogs.Add(dialog.Message);
            if (AcceptDialogs)
            {
                await dialog.AcceptAsync();
            }
            else
            {
                await dialog.DismissAsync();
            }
        };
    }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    public List<string> Dialogs { get; } = [];

    /// <summary>Answer confirm() with OK; otherwise every dialog is dismissed (and recorded).</summary>
    public bool AcceptDialogs { get; set; }

    public IReadOnlyList<string> Problems => _problems;

    public Task ScreenshotAsync(string name) =>
        Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, $"{name}.png"), FullPage = true });

    public async Task SignInAsync(string email, string password)
    {
        await Page.GotoAsync("/signin");
        await Page.GetByLabel("Email").FillAsync(email);
        await Page.GetByLabel("Password").FillAsync(password);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Sign out" })).ToBeVisibleAsync();
    }

    // The browser logs failed requests (such as a 401 on a wrong password) as console errors; the UI handles them.
    private static bool IsExpectedHttpError(string text) =>
        text.StartsWith("Failed to load resource: the server responded with a status of", StringComparison.Ordinal);

    public async ValueTask DisposeAsync() => await Context.CloseAsync();
}
