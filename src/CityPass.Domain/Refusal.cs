namespace CityPass.Domain;

/// <summary>A command that cannot be carried out: a code for programs, a message fit for the person who asked.</summary>
public sealed record Refusal(string Code, string Message);
