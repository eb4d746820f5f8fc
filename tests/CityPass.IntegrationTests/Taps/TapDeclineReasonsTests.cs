using CityPass.Contracts.Terminals;
using CityPass.Domain.Cards;
using CityPass.Host.Taps;

namespace CityPass.IntegrationTests.Taps;

/// <summary>No servers: the table from the domain's decline reasons to the reason codes terminals receive.</summary>
public class TapDeclineReasonsTests
{
    [Fact]
    public void Every_domain_reason_maps_to_the_contract_reason_of_the_same_name() =>
        Assert.All(Enum.GetValues<DeclineReason>(), reason => Assert.Equal(reason.ToString(), reason.ToContract().ToString()));

    [Fact]
    public void Every_contract_reason_is_the_image_of_one_domain_reason() =>
        Assert.Equal(Enum.GetValues<TapDeclineReason>().Order(), Enum.GetValues<DeclineReason>().Select(r => r.ToContract()).Order());
}
