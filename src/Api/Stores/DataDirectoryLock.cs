namespace HsoService.Api.Stores;

/// <summary>
/// One owner per embedded data directory: the file <c>{data}/hso.lock</c> held open without sharing (on Linux an
/// exclusive <c>flock</c>) for as long as the instance runs. A second instance on the same directory would run the same
/// keys twice and run jobs another instance cancelled; it cannot take the lock and stops at start with
/// <see cref="DataDirectoryInUseException"/>. The kernel drops the lock when the process ends, however it ends.
/// </summary>
public sealed class DataDirectoryLock : IDisposable
{
    public const string FileName = "hso.lock";

    private readonly FileStream _file;

    public DataDirectoryLock(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        Path = System.IO.Path.Combine(System.IO.Path.GetFullPath(dataDirectory), FileName);
        try
        {
            _file = new FileStream(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new DataDirectoryInUseException(System.IO.Path.GetFullPath(dataDirectory), e);
        }

        // Who holds it, for an operator who looks; an empty file on a full disk holds the lock all the same.
        try
        {
            _file.SetLength(0);
            _file.Write(System.Text.Encoding.ASCII.GetBytes($"{Environment.ProcessId}\n"));
            _file.Flush();
        }
        catch (IOException)
        {
        }
    }

    public string Path { get; }

    public void Dispose() => _file.Dispose();
}

/// <summary>Another instance holds the embedded data directory: this one stops at start, with one line saying so.</summary>
public sealed class DataDirectoryInUseException(string directory, Exception inner)
    : Exception($"Hso:DataDirectory {directory} is in use by another instance (it holds {DataDirectoryLock.FileName}); give each instance a data directory of its own, or share schedules and jobs through Redis (ConnectionStrings:Redis)", inner);
