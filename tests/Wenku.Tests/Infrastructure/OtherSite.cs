namespace Wenku.Tests.Infrastructure;

/// <summary>Another web site on this machine: one page at its own 127.0.0.1 port (a different origin from the site's).</summary>
public sealed class OtherSite : IDisposable
{
    private readonly System.Net.HttpListener listener = new();
    public string Url { get; }

    private OtherSite(string html)
    {
        var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Url = $"http://127.0.0.1:{port}/blog-post";
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var body = System.Text.Encoding.UTF8.GetBytes(html);
        _ = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                try
                {
                    var context = await listener.GetContextAsync();
                    context.Response.ContentType = "text/html; charset=utf-8";
                    await context.Response.OutputStream.WriteAsync(body);
                    context.Response.Close();
                }
                catch (Exception) when (!listener.IsListening) { return; }
                catch (System.Net.HttpListenerException) { }
            }
        });
    }

    public static OtherSite Serve(string html) => new(html);

    public void Dispose() => listener.Close();
}
