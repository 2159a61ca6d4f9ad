namespace ClinicChat.Infrastructure;

/// <summary>A misconfiguration or missing dependency at start-up, reported as one line without a stack trace.</summary>
public sealed class StartupException(string message, Exception? inner = null) : Exception(message, inner);
