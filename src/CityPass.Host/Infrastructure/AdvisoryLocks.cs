using Npgsql;

namespace CityPass.Host.Infrastructure;

/// <summary>
/// "One host at a time" for a periodic job: a PostgreSQL session-level advisory lock, named by the job and the Marten
/// schema (so test runs and deployments sharing a database do not exclude each other), held by a connection of its own.
/// </summary>
public static class AdvisoryLocks
{
    /// <summary>The lock's 64-bit key: a stable hash of <paramref name="job"/> and <paramref name="schema"/> (string.GetHashCode changes per process).</summary>
    public static long IdFor(string job, string schema)
    {
        var hash = 17L;
        foreach (var c in job + ":" + schema)
            hash = unchecked(hash * 31 + c);
        return hash;
    }

    /// <summary>
    /// An open, unpooled connection holding the job's lock, or null when another host holds it. Disposing the connection
    /// ends its session and releases the lock (a pooled one would keep the session, and the lock, until it is reused).
    /// </summary>
    public static async Task<NpgsqlConnection?> TryTakeAsync(string connectionString, string job, string schema, CancellationToken ct)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        try
        {
            await connection.OpenAsync(ct);
            await using var tryLock = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", connection);
            tryLock.Parameters.AddWithValue(IdFor(job, schema));
            if (await tryLock.ExecuteScalarAsync(ct) is true)
                return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
        await connection.DisposeAsync();
        return null;
    }
}
