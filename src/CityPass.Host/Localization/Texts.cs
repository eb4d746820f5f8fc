namespace CityPass.Host.Localization;

/// <summary>
/// The server's texts (Texts.resx in English, Texts.fr.resx in French), read through <c>IStringLocalizer&lt;Texts&gt;</c>
/// in the request's culture (<see cref="LocalizationSetup"/>: French by default, English on request) or a named one.
/// </summary>
public sealed class Texts;
