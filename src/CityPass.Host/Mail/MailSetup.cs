namespace CityPass.Host.Mail;

/// <summary>
/// E-mail by SMTP through an outbox (docs/operations.md, "Mail"): mails are Marten documents written in the transaction
/// of what they tell, and <see cref="MailSender"/> sends them afterwards with MailKit, retrying while the relay is down.
/// </summary>
public static class MailSetup
{
    public static IServiceCollection AddCityPassMail(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<MailOptions>(configuration.GetSection("Mail"));
        services.AddSingleton<MailOutbox>();
        services.AddSingleton<MailTexts>();
        services.AddSingleton<CardholderMails>();
        services.AddSingleton<MailSender>();
        services.AddHostedService(sp => sp.GetRequiredService<MailSender>());
        services.ConfigureMarten((sp, o) =>
        {
            o.Schema.For<OutgoingMail>().Index(m => m.NextAttemptUnixMilliseconds).Index(m => m.AccountId!);
            o.Listeners.Add(sp.GetRequiredService<CardholderMails>());
        });
        return services;
    }
}
