namespace HsoService.Tests.Shared;

/// <summary>The repository root (the folder of HsoService.sln), found from the test binaries; shared by every test project.</summary>
internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "HsoService.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("HsoService.sln not found above " + AppContext.BaseDirectory);
    }
}
