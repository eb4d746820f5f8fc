using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CityPass.Contracts.Terminals;
using CityPass.Domain.Cards;

namespace CityPass.IntegrationTests.Schemes;

[Collection(CityPassCollection.Name)]
public class SchemeAdministrationTests(CityPassHost host)
{
    private readonly HttpClient _http = host.CreateClient();

    [Fact]
    public async Task The_scheme_shows_what_was_defined_and_every_change_is_in_its_history()
    {
        var scheme = await _http.GetFromJsonAsync<JsonElement>("/scheme");
        Assert.Equal("Europe/Paris", scheme.GetProperty("timeZoneId").GetString());
        Assert.Equal("city", scheme.GetProperty("venues").GetProperty(TestCity.Pool).GetProperty("operatorId").GetString());
        Assert.Equal(3_50, scheme.GetProperty("tariffs").GetProperty("pool").GetProperty("versions")[0].GetProperty("priceCents").GetInt64());

        var history = await _http.GetFromJsonAsync<JsonElement>("/scheme/history");
        var types = history.EnumerateArray().Select(c => c.GetProperty("type").GetString()).ToList();
        Assert.Contains("venue_defined", types);
        Assert.Contains("tariff_set", types);
        Assert.Equal(Enumerable.Range(1, types.Count).Select(v => (long)v), history.EnumerateArray().Select(c => c.GetProperty("version").GetInt64()));
    }

    public static TheoryData<string, string, string, HttpStatusCode> BadDefinitions => new()
    {
        { "PUT", "/scheme/venues/spa", """{"operatorId":"nobody","name":"Spa","kind":"Pool"}""", HttpStatusCode.UnprocessableEntity },
        { "PUT", "/scheme/venues/bad id!", """{"operatorId":"city","name":"Spa","kind":"Pool"}""", HttpStatusCode.BadRequest },
        { "PUT", "/scheme/venues/spa", """{"operatorId":"city","name":"Spa","kind":"Volcano"}""", HttpStatusCode.BadRequest },
        { "PUT", "/scheme/venues/spa", """{"operatorId":"city","name":"Spa","kind":"Pool","openingHours":[{"days":[],"from":"07:00:00","to":"22:00:00"}]}""", HttpStatusCode.BadRequest },
        { "PUT", "/scheme/products/x", """{"kind":"Carnet","name":"No entries","venueIds":["pool"],"validity":"P1Y"}""", HttpStatusCode.BadRequest },
        { "PUT", "/scheme/products/x", """{"kind":"PeriodPass","name":"No validity","venueIds":["pool"]}""", HttpStatusCode.BadRequest },
        { "PUT", "/scheme/products/x", """{"kind":"EventTicket","name":"Ends first","venueIds":["theatre"],"doorsOpen":"2027-01-10T20:00:00","showEnds":"2027-01-10T19:00:00"}""", HttpStatusCode.BadRequest },
        { "PUT", "/scheme/products/x", """{"kind":"PeriodPass","name":"Nowhere","venueIds":["atlantis"],"validity":"P1M"}""", HttpStatusCode.UnprocessableEntity },
        { "PUT", "/scheme/profiles/x", """{"name":"Too generous","reductionPercent":120}""", HttpStatusCode.BadRequest },
        { "POST", "/scheme/tariffs/x/versions", """{"productId":"payg","venueId":"pool","priceCents":300,"effectiveFrom":"2020-01-01T00:00:00Z"}""", HttpStatusCode.BadRequest },
        { "POST", "/scheme/tariffs/x/versions", """{"productId":"payg","venueId":"pool","priceCents":5001}""", HttpStatusCode.BadRequest },
        { "POST", "/scheme/tariffs/x/versions", """{"productId":"payg","venueId":"pool","priceCents":-1}""", HttpStatusCode.BadRequest },
        { "POST", "/scheme/tariffs/x/versions", """{"productId":"payg","venueId":"theatre","priceCents":300}""", HttpStatusCode.BadRequest },
        { "POST", "/scheme/tariffs/x/versions", """{"productId":"unicorn","priceCents":300}""", HttpStatusCode.UnprocessableEntity },
        { "POST", "/scheme/tariffs/x/versions", """{"productId":"payg","venueId":"pool"}""", HttpStatusCode.BadRequest },
        { "PUT", "/scheme/settings", """{"timeZoneId":"Mars/Olympus","serviceDayCutoff":"04:00:00"}""", HttpStatusCode.BadRequest },
        { "PUT", "/scheme/settings", """{"timeZoneId":"Europe/Paris","serviceDayCutoff":"4 o'clock"}""", HttpStatusCode.BadRequest },
    };

    [Theory]
    [MemberData(nameof(BadDefinitions))]
    public async Task A_bad_definition_gets_a_problem_and_changes_nothing(string method, string path, string body, HttpStatusCode expected)
    {
        var before = (await _http.GetFromJsonAsync<JsonElement>("/scheme/history")).GetArrayLength();

        var response = await _http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
        });

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(before, (await _http.GetFromJsonAsync<JsonElement>("/scheme/history")).GetArrayLength());
    }

    [Fact]
    public async Task Defining_the_same_operator_twice_records_one_change()
    {
        var first = await _http.PutAsJsonAsync("/scheme/operators/twice", new { name = "Twice" });
        var before = (await _http.GetFromJsonAsync<JsonElement>("/scheme/history")).GetArrayLength();
        var second = await _http.PutAsJsonAsync("/scheme/operators/twice", new { name = "Twice" });

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, second.StatusCode));
        Assert.Equal(before, (await _http.GetFromJsonAsync<JsonElement>("/scheme/history")).GetArrayLength());
    }

    [Fact]
    public async Task A_terminal_attached_to_one_venue_cannot_tap_at_another()
    {
        await host.Terminals.KeyAsync("pool-only-gate", TestCity.Pool);
        var card = await _http.CardWithBalance(10_00);

        var reply = await host.TapClient().GetResponse<TapAuthorized, TapDeclined>(
            await host.Terminals.Tap("pool-only-gate", 1, card.Uid, TestCity.Library, host.Clock.GetCurrentInstant()));

        Assert.True(reply.Is(out MassTransit.Response<TapDeclined>? declined));
        Assert.Equal(TapDeclineReason.InvalidRequest, declined!.Message.Reason);
    }

    [Fact]
    public void Every_decline_reason_of_the_domain_has_a_wire_code() =>
        Assert.All(Enum.GetNames<DeclineReason>(), name => Assert.True(Enum.TryParse<TapDeclineReason>(name, out _), name));
}
