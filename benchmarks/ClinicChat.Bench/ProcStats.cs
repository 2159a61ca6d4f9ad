using System.Diagnostics;
using System.Globalization;

namespace ClinicChat.Bench;

/// <summary>
/// Resident memory and CPU time of the server, of the database (its postmaster and every child process) and of
/// this tool, read from /proc. Missing pids (not given, or not Linux) read as zero.
/// </summary>
internal sealed class ProcStats(int serverPid, int postgresPid)
{
    // USER_HZ: 100 on every Linux architecture .NET runs on.
    private const double TicksPerSecond = 100;

    public readonly record struct Sample(long ServerRssBytes, double ServerCpuSeconds, double DatabaseCpuSeconds, double ToolCpuSeconds, long Timestamp);

    public Sample Take() => new(
        RssBytes(serverPid),
        CpuSeconds(serverPid),
        postgresPid > 0 ? CpuSeconds(postgresPid) + ChildrenCpuSeconds(postgresPid) : 0,
        Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds,
        Stopwatch.GetTimestamp());

    public static long RssBytes(int pid)
    {
        if (pid <= 0)
        {
            return 0;
        }

        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    var kb = line["VmRSS:".Length..].Trim().Split(' ')[0];
                    return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return 0;
    }

    private static double CpuSeconds(int pid) => ReadStat(pid) is { } stat ? (stat.UTime + stat.STime) / TicksPerSecond : 0;

    private static double ChildrenCpuSeconds(int parent)
    {
        double total = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid) && ReadStat(pid) is { } stat && stat.ParentPid == parent)
            {
                total += (stat.UTime + stat.STime) / TicksPerSecond;
            }
        }

        return total;
    }

    private static (int ParentPid, long UTime, long STime)? ReadStat(int pid)
    {
        if (pid <= 0)
        {
            return null;
        }

        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            // The command name is in parentheses and may itself contain spaces or parentheses: fields start after the last ')'.
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            // After the name: state(0) ppid(1) ... utime(11) stime(12).
            return (int.Parse(fields[1], CultureInfo.InvariantCulture), long.Parse(fields[11], CultureInfo.InvariantCulture), long.Parse(fields[12], CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
