using Wenku.Cli;

// `wenku serve` (the default), `wenku worker`, `wenku admin …`, `wenku import DIR`.
return await WenkuCli.RunAsync(args);

/// <summary>Entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
