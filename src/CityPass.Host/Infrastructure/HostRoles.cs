namespace CityPass.Host.Infrastructure;

/// <summary>What an instance of the host does; every instance runs the same binary (docs/operations.md, "Hosts with roles").</summary>
public enum HostRole
{
    /// <summary>The terminals' path: online taps, offline uploads and heartbeats from the queues, the terminals' HTTP (uploads, deny list).</summary>
    Taps,

    /// <summary>The HTTP API and the pages: the desk, the scheme, cardholders, payments and their webhook, finance, the console.</summary>
    Api,

    /// <summary>Work nobody waits for: the finance ledger's async daemon, the deny-list relay, scheduled jobs and pollers.</summary>
    Background,
}

/// <summary>
/// The roles of this instance, from configuration <c>Roles</c> (<c>taps,api,background</c>; absent or empty: all three).
/// The one place that decides: features register what belongs to a role through <see cref="HostRolesSetup"/>'s methods
/// and Program.cs maps each role's endpoints under <see cref="Has"/>; nothing else reads the setting.
/// </summary>
public sealed class HostRoles
{
    public static readonly HostRoles All = new([HostRole.Taps, HostRole.Api, HostRole.Background]);

    private readonly HashSet<HostRole> _roles;

    private HostRoles(IEnumerable<HostRole> roles) => _roles = [.. roles];

    public bool Has(HostRole role) => _roles.Contains(role);

    public override string ToString() => string.Join(",", _roles.Order().Select(r => r.ToString().ToLowerInvariant()));

    public static HostRoles From(IConfiguration configuration)
    {
        var text = configuration["Roles"];
        if (string.IsNullOrWhiteSpace(text))
            return All;
        var names = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (names.Any(n => n.Equals("all", StringComparison.OrdinalIgnoreCase)))
            return All;
        return new HostRoles(names.Select(name => Enum.TryParse<HostRole>(name, ignoreCase: true, out var role) && Enum.IsDefined(role) && !char.IsDigit(name[0])
            ? role
            : throw new InvalidOperationException($"Roles: unknown role '{name}'; the roles are taps, api and background (or all).")));
    }
}

/// <summary>How features register what belongs to a role: only an instance with the role gets it.</summary>
public static class HostRolesSetup
{
    /// <summary>Reads <c>Roles</c> once; the first thing Program.cs adds, before the features that consult it.</summary>
    public static HostRoles AddCityPassRoles(this IServiceCollection services, IConfiguration configuration)
    {
        var roles = HostRoles.From(configuration);
        services.AddSingleton(roles);
        return roles;
    }

    /// <summary>This instance's roles, as <see cref="AddCityPassRoles"/> registered them (all, for a service collection without them).</summary>
    public static HostRoles Roles(this IServiceCollection services) =>
        services.LastOrDefault(d => d.ServiceType == typeof(HostRoles))?.ImplementationInstance as HostRoles ?? HostRoles.All;

    /// <summary>A hosted service run only by instances with <paramref name="role"/>.</summary>
    public static IServiceCollection AddHostedServiceFor<T>(this IServiceCollection services, HostRole role, Func<IServiceProvider, T> factory)
        where T : class, IHostedService
    {
        if (services.Roles().Has(role))
            services.AddHostedService(factory);
        return services;
    }

    /// <summary>A hosted service run only by instances with <paramref name="role"/>.</summary>
    public static IServiceCollection AddHostedServiceFor<T>(this IServiceCollection services, HostRole role)
        where T : class, IHostedService
    {
        if (services.Roles().Has(role))
            services.AddHostedService<T>();
        return services;
    }
}
