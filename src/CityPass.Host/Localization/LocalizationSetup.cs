using System.Globalization;
using CityPass.Host.Infrastructure;
using Microsoft.Extensions.Localization;

namespace CityPass.Host.Localization;

/// <summary>
/// One place for languages, shared by every page: French first, English as a choice. Server texts are .resx resources
/// (<see cref="Texts"/>); the static pages load <c>/i18n/i18n.js</c>, a small dictionary and the French formats of
/// amounts and Europe/Paris times (docs/architecture.md, "Languages").
/// </summary>
public static class LocalizationSetup
{
    public static readonly CultureInfo French = CultureInfo.GetCultureInfo("fr-FR");
    public static readonly CultureInfo English = CultureInfo.GetCultureInfo("en");

    public static IServiceCollection AddCityPassLocalization(this IServiceCollection services) => services.AddLocalization();

    /// <summary>Serves the page script every page family shares (Program.cs maps it once, for all of them).</summary>
    public static void MapLocalization(this IEndpointRouteBuilder app) =>
        app.MapEmbeddedFiles("CityPass.Host.Localization.", ("/i18n/i18n.js", "i18n.js", "text/javascript; charset=utf-8"));

    /// <summary>fr (the default) or en, from a <c>lang</c> value such as the pages send.</summary>
    public static CultureInfo CultureOf(string? lang) => lang is not null && lang.StartsWith("en", StringComparison.OrdinalIgnoreCase) ? English : French;

    /// <summary>
    /// A server page's language: the page's own <c>lang</c> (query or form, as the portal passes its choice), else the
    /// first of fr or en in <c>Accept-Language</c>, else French.
    /// </summary>
    public static CultureInfo CultureOf(HttpRequest request, string? lang = null)
    {
        lang ??= request.Query["lang"].FirstOrDefault();
        if (lang is { Length: > 0 })
            return CultureOf(lang);
        var preferred = request.GetTypedHeaders().AcceptLanguage
            .OrderByDescending(l => l.Quality ?? 1)
            .Select(l => l.Value.Value ?? "")
            .FirstOrDefault(l => l.StartsWith("fr", StringComparison.OrdinalIgnoreCase) || l.StartsWith("en", StringComparison.OrdinalIgnoreCase));
        return CultureOf(preferred);
    }

    /// <summary>The localized text in a given culture, whatever the request's.</summary>
    public static string In(this IStringLocalizer localizer, CultureInfo culture, string key, params object[] arguments)
    {
        var previous = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = culture;
        try
        {
            return localizer[key, arguments].Value;
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }
    }
}
