namespace HsoService.Api.Tests;

/// <summary>Polls a condition until it holds, failing the test with the given message after a deadline.</summary>
public static class Eventually
{
    public static Task Until(Func<bool> condition, string failure, int seconds = 60) => Until(() => Task.FromResult(condition()), failure, seconds);

    public static async Task Until(Func<Task<bool>> condition, string failure, int seconds = 60)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"{failure} (waited {seconds} s)");
            await Task.Delay(10);
        }
    }
}
