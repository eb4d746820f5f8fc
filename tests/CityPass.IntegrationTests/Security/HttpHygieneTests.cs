using System.Net;
using System.Net.Http.Json;
using CityPass.IntegrationTests.Payments;

namespace CityPass.IntegrationTests.Security;

/// <summary>Bodies bounded per endpoint even when chunked; error answers that do not describe the host's code.</summary>
[Collection(CityPassCollection.Name)]
public class HttpHygieneTests(CityPassHost host)
{
    [Theory]
    [InlineData("/account/login")]
    [InlineData("/webhooks/stripe")]
    [InlineData("/terminals/hygiene-1/offline-taps")]
    public async Task A_chunked_30_MB_body_is_refused_with_413(string path)
    {
        var content = new StreamContent(new Filler(30L * 1024 * 1024));
        content.Headers.ContentType = new("application/json");
        Assert.Null(content.Headers.ContentLength);
        var client = host.Anonymous();
        if (path.StartsWith("/terminals/", StringComparison.Ordinal))
        {
            // An anonymous upload is refused (401) before its body is read: the body is read for an enrolled terminal's signature.
            await host.Terminals.KeyAsync("hygiene-1", TestCity.Library);
            client.DefaultRequestHeaders.Add("CityPass-Terminal", "hygiene-1");
            client.DefaultRequestHeaders.Add("CityPass-Time", host.Clock.GetCurrentInstant().ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
            client.DefaultRequestHeaders.Add("CityPass-Signature", new string('0', 64));
        }

        var response = await client.PostAsync(path, content);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task A_body_announced_larger_than_the_limit_is_refused_before_it_is_read()
    {
        var content = new ByteArrayContent(new byte[2 * 1024 * 1024]);
        content.Headers.ContentType = new("application/json");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await host.Anonymous().PostAsync("/account/register", content)).StatusCode);
    }

    [Fact]
    public async Task An_unreadable_body_is_a_400_that_names_no_dotnet_type()
    {
        var response = await host.CreateClient().PostAsJsonAsync("/admin/accounts/someone@example.test/cards", new { cardId = 12 });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("System.", body);
        Assert.DoesNotContain("CityPass.", body);
        Assert.DoesNotContain("LinkCardRequest", body);
    }

    /// <summary>A body of unknown length (sent chunked): <paramref name="length"/> spaces.</summary>
    private sealed class Filler(long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - _position);
            buffer.AsSpan(offset, n).Fill((byte)' ');
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>Control characters in a text field of a request body are refused.</summary>
[Collection(CityPassCollection.Name)]
public class ControlCharacterTests(CityPassHost host)
{
    [Theory]
    [InlineData("Jeanne\u0000Martin")]
    [InlineData("Jeanne\u001b[31mMartin")]
    [InlineData("Jeanne\u0085Martin")]
    public async Task A_text_field_with_a_control_character_is_a_400(string name)
    {
        var (holder, _) = await host.SignedInCardholder();
        var response = await holder.PutAsJsonAsync("/me/profile", new { name, address = "1 rue de la Mairie", phone = "0600000000" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var registered = await host.Anonymous().PostAsJsonAsync("/account/register", new { email = $"ctl{Guid.NewGuid():N}@example.test\u0007", password = "Long-Enough-Pass-1" });
        Assert.Equal(HttpStatusCode.BadRequest, registered.StatusCode);
    }

    [Theory]
    [InlineData("/finance/days?from=2026-11-01%00")] // the query string
    [InlineData("/cards/by-uid/04A1B2%1BC3D4E5F6")] // a route value
    [InlineData("/me/cards?x%07=1")] // a query key
    public async Task A_control_character_in_the_address_is_a_400_problem(string address)
    {
        var response = await host.CreateClient().GetAsync(new Uri(address, UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("control character", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plain_text_is_accepted()
    {
        var (holder, _) = await host.SignedInCardholder();
        var response = await holder.PutAsJsonAsync("/me/profile", new { name = "Jeanne Martin-Lefèvre", address = "1 rue de la Mairie", phone = "0600000000" });
        Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode}");
    }
}
