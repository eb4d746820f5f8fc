using System.Reflection;
using MassTransit;
using MassTransit.RabbitMqTransport;
using RabbitMQ.Client.Exceptions;

namespace CityPass.Host.Infrastructure;

/// <summary>
/// How soon the bus connects again after RabbitMQ comes back. MassTransit 8.5's RabbitMQ transport retries a lost
/// connection with a fixed policy that is not configurable (exponential from 3 s, growing by 3 s up to 30 s, never reset
/// between outages): after a 10 s outage taps went unanswered for 24–52 s. This puts in the same policy (the same
/// exceptions retried, a wrong password not) with a short fixed interval: each receive endpoint tries again every
/// <see cref="Interval"/> plus MassTransit's own 1 s pause, so the host takes taps again within about 1.5 s of the broker
/// accepting connections (the restart test measures it). A refused connection to a stopped broker costs nothing.
/// </summary>
public static class BrokerReconnect
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    /// <summary>Replaces the host's reconnection policy; throws when MassTransit's internals changed (a package upgrade to review).</summary>
    public static void Apply(IRabbitMqBusFactoryConfigurator configurator)
    {
        const BindingFlags instance = BindingFlags.Instance | BindingFlags.NonPublic;
        var host = configurator.GetType().GetField("_hostConfiguration", instance)?.GetValue(configurator);
        var policy = host?.GetType().GetField("<ReceiveTransportRetryPolicy>k__BackingField", instance);
        if (host is null || policy is null || policy.FieldType != typeof(IRetryPolicy))
            throw new InvalidOperationException(
                "MassTransit's RabbitMQ host configuration no longer has the reconnection policy BrokerReconnect replaces: review it with the MassTransit upgrade.");
        policy.SetValue(host, Retry.CreatePolicy(x =>
        {
            x.Handle<ConnectionException>();
            x.Handle<AlreadyClosedException>();
            x.Handle<EndOfStreamException>();
            x.Handle<OperationInterruptedException>(exception => exception.ChannelShouldBeClosed());
            x.Handle<NotSupportedException>(exception => exception.Message.Contains("Pipelining of requests forbidden", StringComparison.Ordinal));
            x.Ignore<AuthenticationFailureException>();
            x.Incremental(int.MaxValue, Interval, TimeSpan.Zero); // computed per attempt (Interval would allocate one entry per retry)
        }));
    }
}
