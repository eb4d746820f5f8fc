using System.Text;
using CityPass.Domain.Finance;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace CityPass.IntegrationTests.Finance.Postings;

/// <summary>A ledger entry's kind is decided as a type but stored as its code; the entries already stored must read back as they were.</summary>
[Collection(CityPassCollection.Name)]
public class LedgerKindJsonTests(CityPassHost host)
{
    /// <summary>A load's ledger entry as Marten stored it when its kind was only a string.</summary>
    private const string StoredBefore =
        """{"id":42,"kind":"load","at":"2026-11-25T09:00:00Z","businessDay":"2026-11-25","dayNumber":20417,"cardId":"0193a000-0000-7000-8000-000000000001","operatorId":null,"venueId":null,"productId":null,"profileId":null,"visits":0,"source":"stripe","reference":"pi_1","lines":[{"account":"asset:clearing:stripe","cents":2000},{"account":"liability:stored-value","cents":-2000}]}""";

    [Fact]
    public void An_entry_stored_with_its_kind_as_a_string_reads_back_as_that_kind_and_is_written_the_same()
    {
        var serializer = host.Services.GetRequiredService<IDocumentStore>().Options.Serializer();
        var read = serializer.FromJson<LedgerEntry>(new MemoryStream(Encoding.UTF8.GetBytes(StoredBefore)));

        Assert.True(read.Is(LedgerKind.Load));
        Assert.False(read.Is(LedgerKind.Fare));
        Assert.Equal(("load", "stripe", 2000L), (read.Kind, read.Source, read.Sum + 2000));
        Assert.Contains("\"kind\":\"load\"", serializer.ToJson(read));
    }

    [Fact]
    public void A_provider_row_kind_is_its_reporting_category_prefixed_as_before() =>
        Assert.Equal("provider-fee", LedgerKind.Provider("fee").Code);
}
