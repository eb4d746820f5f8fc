using CityPass.Domain.Cardholders;
using CityPass.Host.Accounts;
using CityPass.Host.Cardholders.Closing;
using CityPass.Host.Cardholders.Linking;
using CityPass.Host.Cardholders.Replacing;
using CityPass.Host.Cards;
using CityPass.Host.Portal;
using CityPass.Host.Privacy;
using JasperFx.Events.Projections;

namespace CityPass.Host.Cardholders;

/// <summary>Cardholders' side: linking cards, lost-card replacement, closing accounts, privacy, and the portal.</summary>
public static class CardholdersSetup
{
    public static IServiceCollection AddCityPassCardholders(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<CardholderOptions>(configuration.GetSection("Cardholders"));
        services.Configure<PrivacyOptions>(configuration.GetSection("Privacy"));
        services.AddSingleton<PrintedNumber>();
        services.AddHostedServiceFor<PrintedNumberBackfill>(HostRole.Background);
        services.ConfigureMarten((sp, o) => o.Projections.Add(new PrintedNumberProjection(sp.GetRequiredService<PrintedNumber>()), ProjectionLifecycle.Inline));
        services.AddSingleton<CardReplacementProcess>();
        services.AddSingleton<ReplacementResumer>();
        services.AddHostedServiceFor(HostRole.Background, sp => sp.GetRequiredService<ReplacementResumer>());
        services.AddSingleton<PersonalDataVault>();
        // Statements are read from the card's events, visits past their identifiable period pseudonymised as they are read.
        services.AddSingleton<VisitPseudonymisation>();
        // Every host, at its start: erasures re-applied before anyone reads a restored database.
        services.AddSingleton<ErasureReplay>();
        services.AddHostedService(sp => sp.GetRequiredService<ErasureReplay>());

        services.ConfigureMarten(o =>
        {
            o.Schema.For<CardOwnership>().Index(x => x.AccountId);
            o.Schema.For<PrintedNumberEntry>();
            o.Projections.Add<CardReplacementProjection>(ProjectionLifecycle.Inline);
            o.Schema.For<CardReplacement>().Index(r => r.AccountId!);
            o.Schema.For<SubjectKey>();
            o.Schema.For<PersonalRecord>();
            o.Schema.For<ErasureRecord>();
            o.Schema.For<ErasureLogEntry>().DatabaseSchemaName(ErasureReplay.SchemaFor(o.DatabaseSchemaName));
            o.Schema.For<RefundOrder>().Index(r => r.AccountId);
        });
        return services;
    }

    public static void MapCardholders(this WebApplication app)
    {
        app.MapMyCards();
        app.MapLinkCard();
        app.MapClaimCard();
        app.MapReportLost();
        app.MapCloseAccount();
        app.MapPersonalData();
        app.MapPortal();
    }
}
