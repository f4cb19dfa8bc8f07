// The HTTP service is built in a later issue (endpoints, worker, stores). Until then it only answers liveness.
var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();
app.MapGet("/health/live", () => Results.Ok(new { status = "live" }));
app.Run();
