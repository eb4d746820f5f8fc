using System.Buffers;
using System.Globalization;
using System.Text;
using NodaTime;

namespace CityPass.Domain.Security;

/// <summary>
/// The signed form of a message (protocol 2): every field as its UTF-8 byte length in decimal, a colon, then the bytes,
/// one after the other (<c>"3:abc2:42"</c>). No field can run into the next whatever characters it holds, unlike the
/// <c>|</c>-joined lines of protocol 1. Numbers are decimal, instants Unix milliseconds, dates yyyy-MM-dd, booleans
/// <c>true</c>/<c>false</c>, absent values empty (docs/terminal-protocol.md, "Canonical form").
/// </summary>
public sealed class Canonical
{
    private readonly ArrayBufferWriter<byte> _bytes = new();

    public static Canonical Of(string kind) => new Canonical().Add(kind);

    public Canonical Add(string? field)
    {
        var bytes = Encoding.UTF8.GetBytes(field ?? "");
        var length = Encoding.ASCII.GetBytes(bytes.Length.ToString(CultureInfo.InvariantCulture) + ":");
        _bytes.Write(length);
        _bytes.Write(bytes);
        return this;
    }

    public Canonical Add(long number) => Add(number.ToString(CultureInfo.InvariantCulture));

    public Canonical Add(long? number) => Add(number?.ToString(CultureInfo.InvariantCulture));

    public Canonical Add(bool value) => Add(value ? "true" : "false");

    public Canonical Add(Instant instant) => Add(instant.ToUnixTimeMilliseconds());

    public Canonical Add(LocalDate? date) => Add(date?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));

    public byte[] ToArray() => _bytes.WrittenSpan.ToArray();

    public override string ToString() => Encoding.UTF8.GetString(_bytes.WrittenSpan);
}
