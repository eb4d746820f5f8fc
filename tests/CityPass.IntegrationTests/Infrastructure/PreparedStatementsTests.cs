using CityPass.Host.Infrastructure;
using Npgsql;

namespace CityPass.IntegrationTests.Infrastructure;

/// <summary>The host prepares its repeated statements unless the operator's connection string says otherwise.</summary>
public class PreparedStatementsTests
{
    [Fact]
    public void A_connection_string_without_the_setting_gets_automatic_preparation()
    {
        var built = new NpgsqlConnectionStringBuilder(MartenSetup.WithPreparedStatements("Host=db;Database=citypass;Username=u;Password=p"));

        Assert.Equal((256, 2), (built.MaxAutoPrepare, built.AutoPrepareMinUsages));
        Assert.Equal(("db", "citypass"), (built.Host, built.Database));
    }

    [Theory]
    [InlineData("Host=db;Max Auto Prepare=0")]
    [InlineData("Host=db;MaxAutoPrepare=0")]
    [InlineData("Host=db;max auto prepare=0")]
    public void An_operator_who_turns_it_off_keeps_it_off(string connectionString)
    {
        Assert.Equal(0, new NpgsqlConnectionStringBuilder(MartenSetup.WithPreparedStatements(connectionString)).MaxAutoPrepare);
    }

    [Fact]
    public async Task The_test_hosts_connections_prepare_what_they_repeat()
    {
        await using var source = NpgsqlDataSource.Create(MartenSetup.WithPreparedStatements(CityPassHost.PostgresConnection));
        await using var connection = await source.OpenConnectionAsync();
        for (var i = 0; i < 3; i++)
            await new NpgsqlCommand("select 1 + @x", connection) { Parameters = { new("x", i) } }.ExecuteScalarAsync();

        await using var prepared = new NpgsqlCommand("select count(*) from pg_prepared_statements where statement like 'select 1 + $1%'", connection);
        Assert.Equal(1L, await prepared.ExecuteScalarAsync());
    }
}
