using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;

namespace CityPass.Host.Security;

/// <summary>
/// Request bodies are bounded per endpoint (<c>RequestLimits:MaxBodyBytes</c>, 1 MB unless the endpoint carries a
/// <see cref="IRequestSizeLimitMetadata"/>), whether or not the client announces a length: a chunked body is counted as it
/// is read and refused with 413 when it passes the limit, on Kestrel and behind any server.
/// </summary>
public static class RequestSizeLimits
{
    public const long DefaultMaxBodyBytes = 1024 * 1024;

    public static IApplicationBuilder UseRequestSizeLimits(this IApplicationBuilder app, IConfiguration configuration)
    {
        var fallback = configuration.GetValue<long?>("RequestLimits:MaxBodyBytes") ?? DefaultMaxBodyBytes;
        return app.Use(async (http, next) =>
        {
            var limit = http.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>() is { } metadata ? metadata.MaxRequestBodySize : fallback;
            if (limit is not { } max)
            {
                await next(http);
                return;
            }
            if (http.Request.ContentLength > max)
            {
                http.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                return;
            }
            if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } server)
                server.MaxRequestBodySize = max;
            var counted = new LimitedStream(http.Request.Body, max);
            http.Request.Body = counted;
            try
            {
                await next(http);
            }
            catch (BadHttpRequestException) when (counted.Exceeded && !http.Response.HasStarted)
            {
                http.Response.Clear();
            }
            if (counted.Exceeded && !http.Response.HasStarted)
                http.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
        });
    }

    private sealed class LimitedStream(Stream inner, long max) : Stream
    {
        private long _read;

        public bool Exceeded { get; private set; }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Count(int read)
        {
            _read += read;
            if (_read <= max)
                return read;
            Exceeded = true;
            throw new BadHttpRequestException("The request body is too large.", StatusCodes.Status413PayloadTooLarge);
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
