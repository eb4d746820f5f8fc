using System.Text;
using CityPass.Domain;
using CityPass.Domain.Cards;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;

namespace CityPass.IntegrationTests.Cards;

/// <summary>A load's source became a type; the events already stored with it as a bare string must read back, and new ones be written the same.</summary>
[Collection(CityPassCollection.Name)]
public class LoadSourceJsonTests(CityPassHost host)
{
    /// <summary>A ValueLoaded as Marten stored it when its source was a string.</summary>
    private const string StoredBefore =
        """{"cardId":"0193a000-0000-7000-8000-000000000001","amount":2000,"source":"stripe","idempotencyKey":"pi_1","balanceAfter":2500,"loadedAt":"2026-11-25T09:00:00Z"}""";

    private static readonly ValueLoaded Loaded = new(Guid.Parse("0193a000-0000-7000-8000-000000000001"), Money.FromCents(20_00), LoadSource.Stripe,
        "pi_1", Money.FromCents(25_00), Instant.FromUtc(2026, 11, 25, 9, 0));

    [Fact]
    public void An_event_stored_with_the_source_as_a_string_reads_back()
    {
        var serializer = host.Services.GetRequiredService<IDocumentStore>().Options.Serializer();
        var read = serializer.FromJson<ValueLoaded>(new MemoryStream(Encoding.UTF8.GetBytes(StoredBefore)));
        Assert.Equal(Loaded, read);
        Assert.True(read.Source.IsPaymentProvider);
    }

    [Fact]
    public void An_event_is_stored_with_the_source_as_a_string() =>
        Assert.Equal(StoredBefore, host.Services.GetRequiredService<IDocumentStore>().Options.Serializer().ToJson(Loaded));
}
