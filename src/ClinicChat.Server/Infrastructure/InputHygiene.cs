using System.Buffers;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.SignalR;

namespace ClinicChat.Infrastructure;

/// <summary>Marks a free-text field (message text, bio, notes) that may hold newlines and tabs.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class MultilineTextAttribute : Attribute;

/// <summary>
/// The rules every string and date the server accepts must meet, whatever field it arrives in. PostgreSQL refuses
/// NUL in text (22021) and Npgsql cannot encode a lone surrogate, so without these a hostile value would surface as
/// a 500; other control characters are refused because they have no business in names, notes or filters.
/// </summary>
public static class InputRules
{
    /// <summary>Dates outside this range are refused before any arithmetic on them can overflow.</summary>
    public static readonly DateTimeOffset EarliestDate = new(1900, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static readonly DateTimeOffset LatestDate = new(9000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public const string ControlCharacters = "must not contain control characters.";

    public const string ControlCharactersButNewlineAndTab = "must not contain control characters other than newline and tab.";

    public const string InvalidCharacterSequence = "contains an invalid character sequence.";

    public static readonly string DateOutOfRange = $"must be between {EarliestDate:yyyy-MM-dd} and {LatestDate:yyyy-MM-dd}.";

    /// <summary>Why the value is refused (to follow the field's name), or null when it is fine.</summary>
    public static string? CheckText(ReadOnlySpan<char> value, bool multiline)
    {
        // Fast path: most values are plain printable text.
        if (value.IndexOfAnyInRange('\0', '\u001f') < 0 && value.IndexOfAnyInRange('\u007f', '\u009f') < 0
            && value.IndexOfAnyInRange('\ud800', '\udfff') < 0)
        {
            return null;
        }

        while (!value.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(value, out var rune, out var consumed) != OperationStatus.Done)
            {
                return InvalidCharacterSequence;
            }

            if (Rune.IsControl(rune) && !(multiline && rune.Value is '\n' or '\r' or '\t'))
            {
                return multiline ? ControlCharactersButNewlineAndTab : ControlCharacters;
            }

            value = value[consumed..];
        }

        return null;
    }

    public static string? CheckDate(DateTimeOffset value) =>
        value < EarliestDate || value > LatestDate ? DateOutOfRange : null;

    public static string? CheckDate(DateTime value) =>
        value < EarliestDate.UtcDateTime || value > LatestDate.UtcDateTime ? DateOutOfRange : null;

    /// <summary>The check for a bound value of any type: strings and dates are checked, anything else passes.</summary>
    public static string? CheckValue(object? value, bool multiline) => value switch
    {
        string text => CheckText(text, multiline),
        DateTimeOffset date => CheckDate(date),
        DateTime date => CheckDate(date),
        DateOnly date => CheckDate(date.ToDateTime(TimeOnly.MinValue)),
        _ => null,
    };
}

/// <summary>A JSON value that parsed but breaks <see cref="InputRules"/>; the serializer adds the path.</summary>
public sealed class InputRejectedException(string reason) : JsonException(reason)
{
    public string Reason { get; } = reason;
}

public static class InputHygiene
{
    /// <summary>
    /// Request bodies: every string and date is checked as it is read, so no handler sees a refused value, and a
    /// duplicated key is refused rather than silently letting the last one win.
    /// </summary>
    public static WebApplicationBuilder AddInputHygiene(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<JsonOptions>(o => ApplyTo(o.SerializerOptions));
        builder.Services.AddSingleton<HubInputFilter>();
        return builder;
    }

    public static void ApplyTo(JsonSerializerOptions options)
    {
        options.AllowDuplicateProperties = false;
        options.Converters.Add(new CheckedStringConverter(multiline: false));
        options.Converters.Add(new CheckedDateTimeOffsetConverter());
        options.Converters.Add(new CheckedDateTimeConverter());
        options.TypeInfoResolver = (options.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver()).WithAddedModifier(AllowMultilineWhereMarked);
    }

    private static readonly CheckedStringConverter MultilineConverter = new(multiline: true);

    private static void AllowMultilineWhereMarked(JsonTypeInfo typeInfo)
    {
        if (typeInfo.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }

        foreach (var property in typeInfo.Properties)
        {
            if (property.PropertyType == typeof(string) && IsMultiline(typeInfo.Type, property))
            {
                property.CustomConverter = MultilineConverter;
            }
        }
    }

    private static bool IsMultiline(Type declaringType, JsonPropertyInfo property)
    {
        if (property.AttributeProvider?.IsDefined(typeof(MultilineTextAttribute), inherit: true) == true)
        {
            return true;
        }

        // A positional record's attribute sits on its constructor parameter unless written [property: ...].
        return declaringType.GetConstructors().SelectMany(c => c.GetParameters())
            .Any(p => string.Equals(p.Name, (property.AttributeProvider as MemberInfo)?.Name, StringComparison.Ordinal)
                && p.IsDefined(typeof(MultilineTextAttribute), inherit: true));
    }

    /// <summary>
    /// Query string and route values, for every endpoint: refused before routing hands them to a handler, with the
    /// offending key named (or "query" when the key itself is the problem).
    /// </summary>
    // Not async on the common path: an awaiting middleware would stay on the stack of every open hub connection.
    public static IApplicationBuilder UseInputHygiene(this IApplicationBuilder app) => app.Use(next => context =>
    {
        foreach (var (key, values) in context.Request.Query)
        {
            if (InputRules.CheckText(key, multiline: false) is { } keyReason)
            {
                return RefuseAsync(context, "query", $"Query parameter names {keyReason}");
            }

            foreach (var value in values)
            {
                if (value is not null && InputRules.CheckText(value, multiline: false) is { } reason)
                {
                    return RefuseAsync(context, key, $"'{key}' {reason}");
                }
            }
        }

        foreach (var (key, value) in context.Request.RouteValues)
        {
            if (value is string text && InputRules.CheckText(text, multiline: false) is { } reason)
            {
                return RefuseAsync(context, key, $"'{key}' {reason}");
            }
        }

        return next(context);
    });

    /// <summary>
    /// Typed query and route values (dates) are only known once bound, so the range check runs as an endpoint
    /// filter on the group; endpoints without such parameters get no filter at all.
    /// </summary>
    public static TBuilder WithInputHygiene<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilterFactory((factory, next) =>
        {
            var checkedParameters = factory.MethodInfo.GetParameters()
                .Select((parameter, index) => (parameter, index))
                .Where(p => IsCheckedType(p.parameter.ParameterType))
                .Select(p => (Name: BoundName(p.parameter), p.index, Multiline: p.parameter.IsDefined(typeof(MultilineTextAttribute))))
                .ToArray();
            if (checkedParameters.Length == 0)
            {
                return next;
            }

            return invocation =>
            {
                var errors = new FieldErrors();
                foreach (var (name, index, multiline) in checkedParameters)
                {
                    if (InputRules.CheckValue(invocation.Arguments[index], multiline) is { } reason)
                    {
                        errors.Add(name, $"'{name}' {reason}");
                    }
                }

                return errors.Any ? ValueTask.FromResult<object?>(errors.ToProblem()) : next(invocation);
            };
        });

    private static bool IsCheckedType(Type type) =>
        (Nullable.GetUnderlyingType(type) ?? type) is var t
        && (t == typeof(string) || t == typeof(DateTimeOffset) || t == typeof(DateTime) || t == typeof(DateOnly));

    private static string BoundName(ParameterInfo parameter) =>
        parameter.GetCustomAttributes().OfType<Microsoft.AspNetCore.Http.Metadata.IFromQueryMetadata>().FirstOrDefault()?.Name
        ?? parameter.Name ?? "request";

    private static Task RefuseAsync(HttpContext context, string field, string message) =>
        Problems.Field(field, message).ExecuteAsync(context);

    private sealed class CheckedStringConverter(bool multiline) : JsonConverter<string>
    {
        public override bool HandleNull => false;

        public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.String)
            {
                throw new JsonException();
            }

            var value = reader.GetString()!;
            return InputRules.CheckText(value, multiline) is { } reason ? throw new InputRejectedException(reason) : value;
        }

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
    }

    private sealed class CheckedDateTimeOffsetConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.String || !reader.TryGetDateTimeOffset(out var value))
            {
                throw new JsonException();
            }

            return InputRules.CheckDate(value) is { } reason ? throw new InputRejectedException(reason) : value;
        }

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) => writer.WriteStringValue(value);
    }

    private sealed class CheckedDateTimeConverter : JsonConverter<DateTime>
    {
        public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.String || !reader.TryGetDateTime(out var value))
            {
                throw new JsonException();
            }

            return InputRules.CheckDate(value) is { } reason ? throw new InputRejectedException(reason) : value;
        }

        public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options) => writer.WriteStringValue(value);
    }
}

/// <summary>
/// Hub arguments meet the same rules as REST input; a refusal is a HubException naming the argument, as the
/// REST twin's problem names the field.
/// </summary>
public sealed class HubInputFilter : IHubFilter
{
    // Per hub method, once: GetParameters copies its array on every call, and SendMessage is the hot path.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<MethodInfo, (string Name, bool Multiline)[]> _parameters = new();

    public ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        var parameters = _parameters.GetOrAdd(invocationContext.HubMethod, static method => [.. method.GetParameters()
            .Select(p => (p.Name ?? "argument", p.IsDefined(typeof(MultilineTextAttribute))))]);
        var arguments = invocationContext.HubMethodArguments;
        for (var i = 0; i < arguments.Count && i < parameters.Length; i++)
        {
            if (InputRules.CheckValue(arguments[i], parameters[i].Multiline) is { } reason)
            {
                // "field: message", the form every hub refusal takes.
                throw Failure.Field(parameters[i].Name!, $"'{parameters[i].Name}' {reason}").ToHubException();
            }
        }

        return next(invocationContext);
    }
}
