using System.Net;
using System.Net.Sockets;

namespace ClinicChat.Bench;

/// <summary>
/// HTTP invokers that bind their sockets to different 127.0.0.x source addresses: each (source, destination) pair
/// has its own ~28,000 ephemeral ports, so tens of thousands of loopback connections do not exhaust them.
/// Only used for loopback targets; any other host gets the default source address.
/// </summary>
internal sealed class SourceAddresses : IDisposable
{
    // Linux values: IPPROTO_IP and IP_BIND_ADDRESS_NO_PORT (not in SocketOptionName).
    private const int IpProtocolIp = 0;
    private const int IpBindAddressNoPort = 24;

    private readonly HttpMessageInvoker[] _invokers;

    public SourceAddresses(int count, int firstHost)
    {
        _invokers = [.. Enumerable.Range(0, Math.Max(1, count)).Select(i => Create(IPAddress.Parse($"127.0.0.{firstHost + i}")))];
    }

    public HttpMessageInvoker For(int index) => _invokers[index % _invokers.Length];

    public void Dispose()
    {
        foreach (var invoker in _invokers)
        {
            invoker.Dispose();
        }
    }

    private static HttpMessageInvoker Create(IPAddress source) => new(new SocketsHttpHandler
    {
        UseProxy = false,
        ConnectTimeout = TimeSpan.FromSeconds(30),
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                if (IPAddress.TryParse(context.DnsEndPoint.Host, out var target) && IPAddress.IsLoopback(target) && target.AddressFamily == AddressFamily.InterNetwork)
                {
                    // Let connect pick the port for the full 4-tuple instead of bind reserving one per source address.
                    socket.SetRawSocketOption(IpProtocolIp, IpBindAddressNoPort, BitConverter.GetBytes(1));
                    socket.Bind(new IPEndPoint(source, 0));
                    await socket.ConnectAsync(new IPEndPoint(target, context.DnsEndPoint.Port), cancellationToken);
                }
                else
                {
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                }
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    });
}
