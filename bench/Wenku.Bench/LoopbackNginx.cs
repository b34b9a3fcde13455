using System.Diagnostics;
using System.Globalization;

namespace Wenku.Bench;

/// <summary>
/// Our own nginx (temp config, loopback port, pid and logs in a folder of the work folder): the static comparison for
/// the document page, or a reverse proxy in front of <c>wenku serve</c> processes as a deployment puts it.
/// </summary>
public sealed class LoopbackNginx : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dir;
    public Uri BaseAddress { get; }

    private LoopbackNginx(Process process, string dir, Uri baseAddress)
    {
        _process = process;
        _dir = dir;
        BaseAddress = baseAddress;
    }

    /// <summary>Serves <paramref name="html"/> for every path, as <c>text/html; charset=utf-8</c> like the site.</summary>
    public static async Task<LoopbackNginx> StaticAsync(string workDir, byte[] html)
    {
        var dir = Path.Combine(workDir, "nginx");
        var www = Path.Combine(dir, "www");
        Directory.CreateDirectory(www);
        await File.WriteAllBytesAsync(Path.Combine(www, "page.html"), html);
        return await StartAsync(workDir, dir, upstream: "", server: $$"""
            root {{www}};
            default_type "text/html; charset=utf-8";
            location / { try_files /page.html =404; }
            """);
    }

    /// <summary>
    /// A reverse proxy to <paramref name="upstreams"/>: round robin over kept-alive connections, the client's address
    /// in <c>X-Forwarded-For</c> (for sites started with <c>Wenku:BehindProxy</c>). It logs only which upstream
    /// answered each request (buffered), for <see cref="RequestsPerUpstream"/>.
    /// </summary>
    public static Task<LoopbackNginx> ProxyAsync(string workDir, string name, IEnumerable<Uri> upstreams)
    {
        var dir = Path.Combine(workDir, "nginx-" + name);
        return StartAsync(workDir, dir,
            upstream: $"upstream wenku {{ {string.Concat(upstreams.Select(u => $"server {u.Authority}; "))}keepalive 64; }}",
            server: $$"""
            access_log {{dir}}/upstream.log upstream buffer=64k flush=1s;
            location / {
                proxy_pass http://wenku;
                proxy_http_version 1.1;
                proxy_set_header Connection "";
                proxy_set_header Host $host;
                proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                proxy_set_header X-Forwarded-Proto $scheme;
            }
            """);
    }

    private static async Task<LoopbackNginx> StartAsync(string workDir, string dir, string upstream, string server)
    {
        Directory.CreateDirectory(dir);
        var port = Commands.FreeLoopbackPort();
        // As root, nginx's workers would switch to an account that cannot read the private work folder.
        var user = Environment.UserName == "root" ? "user root;" : "";
        var conf = Path.Combine(dir, "nginx.conf");
        await File.WriteAllTextAsync(conf, $$"""
            {{user}}
            worker_processes auto;
            pid {{dir}}/nginx.pid;
            error_log {{dir}}/error.log warn;
            events { worker_connections 1024; }
            http {
                access_log off;
                log_format upstream $upstream_addr;
                sendfile on;
                tcp_nopush on;
                keepalive_requests 100000;
                client_body_temp_path {{dir}}/client_body;
                proxy_temp_path {{dir}}/proxy;
                fastcgi_temp_path {{dir}}/fastcgi;
                uwsgi_temp_path {{dir}}/uwsgi;
                scgi_temp_path {{dir}}/scgi;
                {{upstream}}
                server {
                    listen 127.0.0.1:{{port}};
            {{server}}
                }
            }
            """);

        var psi = new ProcessStartInfo(Commands.Find("nginx")) { UseShellExecute = false };
        foreach (var a in new[] { "-p", dir, "-e", Path.Combine(dir, "error.log"), "-c", conf, "-g", "daemon off;" }) psi.ArgumentList.Add(a);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start nginx");
        await File.AppendAllTextAsync(Path.Combine(workDir, "pids"), process.Id.ToString(CultureInfo.InvariantCulture) + "\n");
        var nginx = new LoopbackNginx(process, dir, new Uri($"http://127.0.0.1:{port}/"));

        using var client = new HttpClient();
        for (var i = 0; i < 100; i++)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"nginx exited with {process.ExitCode}: {ErrorLog(dir)}");
            try
            {
                using var response = await client.GetAsync(nginx.BaseAddress);
                if ((int)response.StatusCode < 500) return nginx;
            }
            catch (HttpRequestException) { }
            await Task.Delay(100);
        }
        await nginx.DisposeAsync();
        throw new TimeoutException($"nginx did not answer on {nginx.BaseAddress}: {ErrorLog(dir)}");
    }

    /// <summary>Requests each upstream answered so far, by its address (a proxy's log; complete once it is stopped).</summary>
    public Dictionary<string, int> RequestsPerUpstream()
    {
        var log = Path.Combine(_dir, "upstream.log");
        return File.Exists(log) ? File.ReadLines(log).CountBy(line => line.Trim()).ToDictionary() : [];
    }

    private static string ErrorLog(string dir) =>
        File.Exists(Path.Combine(dir, "error.log")) ? File.ReadAllText(Path.Combine(dir, "error.log")) : "";

    public async ValueTask DisposeAsync()
    {
        // nginx stops its workers on SIGTERM (fast shutdown).
        await Commands.StopAsync(_process, TimeSpan.FromSeconds(5));
        _process.Dispose();
    }
}
