using NodaTime;

namespace CityPass.Domain.DenyLists;

// The deny list stream: one stream whose version is the deny list's version. Every block or unblock of a card appends
// here in the same transaction, so terminals can ask for "everything since version N" and never miss a change.

/// <summary>Terminals must refuse this card offline.</summary>
public sealed record CardDenied(string Uid, Guid CardId, string Reason, Instant At);

/// <summary>Terminals may accept this card again.</summary>
public sealed record CardAllowed(string Uid, Guid CardId, string Reason, Instant At);

public static class DenyList
{
    public static readonly Guid StreamId = new("5c7e3e1a-0000-4000-8000-de11a1150001");
}
