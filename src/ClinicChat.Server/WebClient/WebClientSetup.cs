using ClinicChat.Infrastructure;
using Microsoft.Net.Http.Headers;

namespace ClinicChat.WebClient;

/// <summary>
/// Serves the web client built from web/ into wwwroot: hashed assets cached for a year, index.html never cached,
/// and index.html for any other GET so that client-side routes survive a reload. Server paths never fall back.
/// </summary>
public static class WebClientSetup
{
    /// <summary>Paths owned by the server: an unknown one is a 404 problem, never the client's HTML.</summary>
    private static readonly string[] ServerPaths = ["/api", "/hubs", "/health", "/openapi", "/docs"];

    private const string NoStore = "no-store, max-age=0";

    // Vite puts content-hashed files under /assets: a new build means new names, so they never go stale.
    private const string Immutable = "public, max-age=31536000, immutable";

    public static WebApplicationBuilder AddWebClient(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<StaticFileOptions>(options => options.OnPrepareResponse = context =>
        {
            var path = context.Context.Request.Path;
            context.Context.Response.Headers.CacheControl =
                path.StartsWithSegments("/assets", StringComparison.Ordinal) ? Immutable
                : path.Equals("/index.html", StringComparison.OrdinalIgnoreCase) ? NoStore
                : "no-cache";
        });
        return builder;
    }

    public static WebApplication MapWebClient(this WebApplication app)
    {
        app.UseStaticFiles();

        // The default fallback pattern ({*path:nonfile}) skips paths with a file extension: a missing asset is a 404,
        // not HTML. Only GET and HEAD fall back, so other methods keep their 404/405 answers.
        app.MapFallback(ServeIndex)
            .WithMetadata(new HttpMethodMetadata([HttpMethods.Get, HttpMethods.Head]))
            .ExcludeFromDescription();
        return app;
    }

    private static IResult ServeIndex(HttpContext context, IWebHostEnvironment environment)
    {
        if (ServerPaths.Any(prefix => context.Request.Path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase)))
        {
            return new Failure("route.not_found", FailureKind.NotFound, "There is no such resource.").ToProblem();
        }

        // Looked up per request: a server started before `npm run build` picks the client up without a restart.
        var index = environment.WebRootFileProvider.GetFileInfo("index.html");
        if (!index.Exists || index.PhysicalPath is null)
        {
            return context.Request.Path == "/"
                ? TypedResults.Text(
                    "ClinicChat is running, but this build has no web client (web/ was not built into wwwroot). "
                    + "The API is at /api/v1, its docs at /docs, the hub at /hubs/chat. Build the client with ./run.\n",
                    "text/plain; charset=utf-8")
                : new Failure("route.not_found", FailureKind.NotFound, "There is no such resource.").ToProblem();
        }

        context.Response.Headers.CacheControl = NoStore;
        return TypedResults.PhysicalFile(index.PhysicalPath, "text/html; charset=utf-8", lastModified: index.LastModified,
            entityTag: new EntityTagHeaderValue($"\"{index.LastModified.UtcTicks:x}-{index.Length:x}\""));
    }
}
