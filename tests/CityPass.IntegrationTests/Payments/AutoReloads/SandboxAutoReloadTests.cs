using System.Net;
using System.Net.Http.Json;
using CityPass.Contracts.Terminals;
using CityPass.Domain.Cards;
using CityPass.Domain.Payments;
using CityPass.Domain.Payments.AutoReloads;
using CityPass.Host.Payments.AutoReloads;
using CityPass.Host.Payments.Sandbox;
using Marten;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;

namespace CityPass.IntegrationTests.Payments.AutoReloads;

/// <summary>Automatic reloading end to end on the sandbox provider: saved test cards, off-session payments, the webhook.</summary>
[Collection(CityPassCollection.Name)]
public class SandboxAutoReloadTests(CityPassHost host)
{
    private static string Terminal() => $"auto-{Guid.NewGuid():N}"[..20];

    [Fact]
    public async Task A_tap_that_crosses_the_threshold_reloads_the_card_once_off_session_and_credits_it_through_the_webhook()
    {
        var (http, _, card) = await host.CardholderWithCard(10_00);
        var setup = await host.SavedSandboxCard(http, SandboxSetup.PayingCard);
        var settings = await http.AutoReloadSetUp(card.Id, setup, 5_00, 20_00);
        Assert.Equal((AutoReloadStatus.Active, 5_00L, 20_00L), (settings.Status, settings.ThresholdCents, settings.AmountCents));
        var terminal = Terminal();

        Assert.IsType<TapAuthorized>(await host.PoolTap(terminal, 1, card.Uid)); // 10.00 -> 6.50: no crossing
        Assert.Empty(await http.Reloads(card.Id));
        Assert.IsType<TapAuthorized>(await host.PoolTap(terminal, 2, card.Uid)); // 6.50 -> 3.00: crossed

        var credited = await Eventually.ReadAsync(() => http.MyCard(card.Id), c => c.BalanceCents == 23_00, "the automatic reload credited");
        Assert.Equal(0, credited.ReservedCents);
        var reload = Assert.Single(await http.Reloads(card.Id));
        Assert.Equal((ReloadStatus.Credited, 20_00L, "sandbox"), (reload.Status, reload.CreditedCents, reload.Provider));
        var auto = await http.AutoReloadWhen(card.Id, a => a.InFlightReloadId is null, "the reload settled");
        Assert.Equal((AutoReloadStatus.Active, 20_00L), (auto.Status, auto.TakenLastDayCents));
    }

    [Fact]
    public async Task An_offline_upload_whose_taps_cross_the_threshold_in_one_batch_reloads_once()
    {
        var (http, _, card) = await host.CardholderWithCard(6_00);
        await http.AutoReloadSetUp(card.Id, await host.SavedSandboxCard(http, SandboxSetup.PayingCard), 5_00, 20_00);
        var terminal = Terminal();
        var taps = new List<OfflineTap>();
        for (var s = 1; s <= 3; s++)
        {
            var signed = await host.Terminals.Tap(terminal, s, card.Uid, TestCity.Library, host.Clock.GetCurrentInstant() - Duration.FromMinutes(30 - s));
            taps.Add(new OfflineTap(signed.Sequence, signed.CardUid, signed.VenueId, signed.TerminalTime, signed.CardCounter, signed.Cryptogram, signed.Mac));
        }

        var accepted = await host.Services.GetRequiredService<IBus>()
            .CreateRequestClient<UploadOfflineTaps>(new Uri($"queue:{host.OfflineTapQueue}"), RequestTimeout.After(s: 60))
            .GetResponse<OfflineTapsAccepted>(new UploadOfflineTaps(terminal, Guid.NewGuid(), taps));

        Assert.Equal(3, accepted.Message.Recorded); // 6.00 -> 5.00 -> 4.00 -> 3.00: one crossing
        await Eventually.ReadAsync(() => http.MyCard(card.Id), c => c.BalanceCents == 23_00, "the automatic reload credited");
        Assert.Single(await http.Reloads(card.Id));
    }

    [Theory]
    [InlineData(SandboxSetup.DecliningCard, "card_declined")]
    [InlineData(SandboxSetup.AuthenticationCard, "authentication_required")]
    public async Task A_declined_or_unauthenticated_payment_stops_automatic_reloading_tells_the_holder_and_leaves_the_card_working(
        string savedCard, string code)
    {
        var (http, email, card) = await host.CardholderWithCard(6_00);
        await http.AutoReloadSetUp(card.Id, await host.SavedSandboxCard(http, savedCard), 5_00, 20_00);
        var terminal = Terminal();

        Assert.IsType<TapAuthorized>(await host.PoolTap(terminal, 1, card.Uid)); // 6.00 -> 2.50

        var stopped = await http.AutoReloadWhen(card.Id, a => a.Status == AutoReloadStatus.Stopped, "automatic reloading stopped");
        Assert.Equal(code, stopped.StoppedReason);
        Assert.NotNull(stopped.Notice);
        Assert.Null(stopped.InFlightReloadId);
        var notice = Assert.Single(await host.Notices(card.Id));
        Assert.Equal((AutoReloadNotice.StoppedKind, code), (notice.Kind, notice.Reason));
        Assert.NotNull(notice.MailedAt); // queued in the transaction that stopped it
        var mail = await host.Mailbox.WaitForAsync(email, m => m.Subject.Contains("rechargement automatique", StringComparison.Ordinal));
        Assert.Contains(code == "authentication_required" ? "confirmiez vous-même" : "a refusé", mail.Body, StringComparison.Ordinal);
        Assert.Contains("votre carte fonctionne toujours", mail.Body, StringComparison.Ordinal);
        var reload = Assert.Single(await http.Reloads(card.Id));
        Assert.Equal(ReloadStatus.Failed, reload.Status);
        Assert.NotNull(reload.ClientSecret); // the holder may still pay it themselves, authenticating on-session
        var after = await http.MyCard(card.Id);
        Assert.Equal((2_50L, 0L, CardStatus.Active), (after.BalanceCents, after.ReservedCents, after.Status));

        // Stopped: no more crossings trigger anything, resuming is refused, the card keeps working on its balance.
        await host.CreateClient().Load(card.Id, 10_00, Guid.NewGuid().ToString());
        Assert.IsType<TapAuthorized>(await host.PoolTap(terminal, 2, card.Uid));
        Assert.IsType<TapAuthorized>(await host.PoolTap(terminal, 3, card.Uid)); // 12.50 -> 9.00 -> 5.50
        Assert.IsType<TapAuthorized>(await host.PoolTap(terminal, 4, card.Uid)); // -> 2.00: crossed, but stopped
        Assert.Single(await http.Reloads(card.Id));
        Assert.Equal(HttpStatusCode.Conflict, (await http.PostAsync($"/me/cards/{card.Id}/auto-reload/resume", null)).StatusCode);

        // Saving a card again turns it back on.
        var again = await http.AutoReloadSetUp(card.Id, await host.SavedSandboxCard(http, SandboxSetup.PayingCard), 5_00, 20_00);
        Assert.Equal((AutoReloadStatus.Active, (string?)null), (again.Status, again.StoppedReason));
    }

    [Fact]
    public async Task Paused_nothing_triggers_resumed_it_does_and_removed_its_method_is_detached()
    {
        var (http, _, card) = await host.CardholderWithCard(6_00);
        await http.AutoReloadSetUp(card.Id, await host.SavedSandboxCard(http, SandboxSetup.PayingCard), 5_00, 20_00);
        var paused = await http.PostAsync($"/me/cards/{card.Id}/auto-reload/pause", null);
        Assert.Equal(HttpStatusCode.OK, paused.StatusCode);
        var terminal = Terminal();

        Assert.IsType<TapAuthorized>(await host.PoolTap(terminal, 1, card.Uid)); // 6.00 -> 2.50 while paused
        Assert.Empty(await http.Reloads(card.Id));

        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync($"/me/cards/{card.Id}/auto-reload/resume", null)).StatusCode);
        await host.CreateClient().Load(card.Id, 5_00, Guid.NewGuid().ToString()); // 7.50
        Assert.IsType<TapAuthorized>(await host.PoolTap(terminal, 2, card.Uid)); // -> 4.00: crossed
        await Eventually.ReadAsync(() => http.MyCard(card.Id), c => c.BalanceCents == 24_00, "the automatic reload credited");

        var method = (await http.AutoReload(card.Id)).PaymentMethodId;
        var removed = await http.DeleteAsync($"/me/cards/{card.Id}/auto-reload");
        Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        Assert.Equal(AutoReloadStatus.Removed, (await http.AutoReload(card.Id)).Status);
        await using (var query = host.Services.GetRequiredService<IDocumentStore>().QuerySession())
            Assert.False((await query.LoadAsync<SandboxPaymentMethod>(method))!.Attached);
        Assert.Equal(HttpStatusCode.OK, (await http.DeleteAsync($"/me/cards/{card.Id}/auto-reload")).StatusCode); // again: the same
        Assert.Equal(HttpStatusCode.Conflict, (await http.PostAsync($"/me/cards/{card.Id}/auto-reload/pause", null)).StatusCode);
    }

    [Fact]
    public async Task Closing_the_account_removes_automatic_reloading_and_detaches_the_saved_card()
    {
        var (http, _, card) = await host.CardholderWithCard(30_00);
        await http.AutoReloadSetUp(card.Id, await host.SavedSandboxCard(http, SandboxSetup.PayingCard), 5_00, 20_00);
        var method = (await http.AutoReload(card.Id)).PaymentMethodId;

        var closed = await http.PostAsJsonAsync("/me/account/close", new { iban = "FR76 3000 6000 0112 3456 7890 189", accountHolder = "Jeanne Martin" });
        Assert.Equal(HttpStatusCode.OK, closed.StatusCode);

        await using var query = host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        Assert.Equal(AutoReloadStatus.Removed, (await query.LoadAsync<AutoReload>(AutoReload.StreamIdFor(card.Id)))!.Status);
        Assert.False((await query.LoadAsync<SandboxPaymentMethod>(method))!.Attached);
    }

    [Fact]
    public async Task The_card_ceiling_counts_reloads_in_flight_and_the_daily_and_monthly_limits_hold()
    {
        var was = host.Clock.GetCurrentInstant();
        try
        {
            // Ceiling, reloads in flight counted: 62.00 -> 58.50 crosses 60.00, but 58.50 + the 50.00 being paid + 90.00 passes 150 €.
            var (http, _, card) = await host.CardholderWithCard(62_00);
            await http.AutoReloadSetUp(card.Id, await host.SavedSandboxCard(http, SandboxSetup.PayingCard), 60_00, 90_00);
            var manual = await http.StartedReload(card.Id, 50_00);
            Assert.IsType<TapAuthorized>(await host.PoolTap(Terminal(), 1, card.Uid));
            Assert.Equal(manual.Id, Assert.Single(await http.Reloads(card.Id)).Id);
            Assert.Equal((58_50L, 50_00L), ((await http.MyCard(card.Id)).BalanceCents, (await http.MyCard(card.Id)).ReservedCents));

            // Daily limit (100 €): a purchase crosses 40.00 and reloads 60.00; the next crossing the same day would take 120.00.
            var (holder, _, other) = await host.CardholderWithCard(50_00);
            await holder.AutoReloadSetUp(other.Id, await host.SavedSandboxCard(holder, SandboxSetup.PayingCard), 40_00, 60_00);
            await Purchase(other.Id); // 50 -> 20: crossed
            await Eventually.ReadAsync(() => holder.MyCard(other.Id), c => c.BalanceCents == 80_00, "the first automatic reload credited");
            await Purchase(other.Id);
            await Purchase(other.Id); // 80 -> 50 -> 20: crossed again, over the daily limit
            Assert.Single(await holder.Reloads(other.Id));
            Assert.Equal((20_00L, 0L), ((await holder.MyCard(other.Id)).BalanceCents, (await holder.MyCard(other.Id)).ReservedCents));

            host.Clock.Advance(Duration.FromHours(25));
            await host.CreateClient().Load(other.Id, 30_00, Guid.NewGuid().ToString()); // 50.00
            await Purchase(other.Id); // -> 20: a day later, within the limits again
            await Eventually.ReadAsync(() => holder.MyCard(other.Id), c => c.BalanceCents == 80_00, "the next day's automatic reload credited");
            Assert.Equal(2, (await holder.Reloads(other.Id)).Count);
            Assert.Equal(120_00, (await holder.AutoReload(other.Id)).TakenLast30DaysCents);

            // Monthly limit (300 € in 30 days): one crossing a day, the sixth reload in the month is refused.
            for (var day = 3; day <= 6; day++)
            {
                host.Clock.Advance(Duration.FromHours(25));
                await Purchase(other.Id); // 80 -> 50
                await Purchase(other.Id); // -> 20: crossed
                var expected = day <= 5 ? 80_00 : 20_00;
                await Eventually.ReadAsync(() => holder.MyCard(other.Id), c => c.BalanceCents == expected && c.ReservedCents == 0, $"day {day}'s crossing");
            }
            var monthly = await holder.AutoReload(other.Id);
            Assert.Equal((300_00L, AutoReloadStatus.Active), (monthly.TakenLast30DaysCents, monthly.Status));
            Assert.Equal(5, (await holder.Reloads(other.Id)).Count);
        }
        finally
        {
            host.Clock.Reset(was); // the other tests of the collection share the clock (shows tonight and tomorrow)
        }
    }

    [Fact]
    public async Task Bad_settings_are_refused_with_a_problem_and_write_nothing()
    {
        var (http, _, card) = await host.CardholderWithCard(10_00);
        var (stranger, _, _) = await host.CardholderWithCard();
        var before = await host.RowCount();
        foreach (var (setup, threshold, amount) in new (string?, long, long)[]
                 {
                     (null, 5_00, 20_00), // no method saved
                     ("seti_nobody", 5_00, 20_00), // not a SetupIntent of this account
                     (null, 0, 20_00), (null, 5_00, 1_00), (null, 100_00, 100_00), // threshold, amount, past the ceiling
                 })
        {
            var response = await http.PutAutoReload(card.Id, setup, threshold, amount);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/me/cards/{card.Id}/auto-reload")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.PutAutoReload(card.Id, null, 5_00, 20_00)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/me/cards/{card.Id}/auto-reload")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsync("/me/payment-methods/setup", null)).StatusCode); // no Idempotency-Key
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Anonymous().GetAsync($"/me/cards/{card.Id}/auto-reload")).StatusCode);
        Assert.Equal(before, await host.RowCount());
    }

    private async Task Purchase(Guid cardId)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/cards/{cardId}/purchases") { Content = JsonContent.Create(new { productId = "swim-10" }) };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        var response = await host.CreateClient().SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }
}
