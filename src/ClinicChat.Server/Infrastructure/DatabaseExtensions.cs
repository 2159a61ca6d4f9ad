using Dapper;
using Npgsql;

namespace ClinicChat.Infrastructure;

public static class DatabaseExtensions
{
    public const string ConnectionStringKey = "CLINICCHAT_DATABASE";

    /// <summary>
    /// The keyed data source for the unread count and the watermark move, run hundreds of times a second: its
    /// sessions run with plan_cache_mode=force_generic_plan and enable_seqscan=off.
    /// </summary>
    public const string HotPath = "hot-path";

    /// <summary>
    /// The keyed data source for the message writer's batched send: generic plans, and no sequential scans.
    /// </summary>
    public const string Writer = "message-writer";

    public static WebApplicationBuilder AddDatabase(this WebApplicationBuilder builder)
    {
        DapperConventions.Register();
        builder.Services.AddSingleton(services => Build(services, sessionOptions: null));
        // Measured with pg_stat_statements.track_planning: these statements were planned on every execution (the
        // planner kept preferring custom plans for their array and flag parameters), and planning cost more
        // database CPU than running them. Their generic plans are the same index lookups, so they are planned once
        // per connection instead. Only these statements use this source; everything else keeps PostgreSQL's choice.
        // Without sequential scans too: on a small table the generic unread count hashed all of conversations.
        builder.Services.AddKeyedSingleton(HotPath, (services, _) =>
            Build(services, "-c plan_cache_mode=force_generic_plan -c enable_seqscan=off"));
        // The batched send too, but its generic plan alone (sized for a guessed unnest row count, on a small
        // conversations table) chose sequential scans and ran 3-4 times slower than a custom plan; without
        // sequential scans it is the per-input index lookups a custom plan picks (conversations_pkey,
        // messages_client_id_key, conversation_members' indexes). Same settings as the hot path, but a pool of its
        // own, so a burst of mark-reads never leaves the writers waiting for a connection.
        builder.Services.AddKeyedSingleton(Writer, (services, _) =>
            Build(services, "-c plan_cache_mode=force_generic_plan -c enable_seqscan=off"));
        builder.Services.AddSingleton<Migrator>();
        builder.Services.AddSingleton<DatabaseOutage>();
        builder.Services.AddExceptionHandler<DatabaseUnavailableHandler>();
        builder.Services.AddHostedService<DatabaseStartup>();
        return builder;
    }

    private static NpgsqlDataSource Build(IServiceProvider services, string? sessionOptions)
    {
        var configuration = services.GetRequiredService<IConfiguration>();
        var connectionString = configuration[ConnectionStringKey];
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new StartupException(
                $"{ConnectionStringKey} is not set. Use ./run, which starts a local PostgreSQL, or set it to a PostgreSQL connection string.");
        }

        var dataSourceBuilder = new NpgsqlDataSourceBuilder(connectionString);
        if (sessionOptions is not null)
        {
            var options = dataSourceBuilder.ConnectionStringBuilder.Options;
            dataSourceBuilder.ConnectionStringBuilder.Options =
                string.IsNullOrWhiteSpace(options) ? sessionOptions : options + " " + sessionOptions;
            // Extra pools: a quarter of the configured size each keeps all three together well inside
            // max_connections (short statements only, so a few connections serve thousands of them a second).
            var csb = dataSourceBuilder.ConnectionStringBuilder;
            csb.MaxPoolSize = Math.Max(8, csb.MaxPoolSize / 4);
            csb.MinPoolSize = Math.Min(csb.MinPoolSize, csb.MaxPoolSize);
        }

        if (dataSourceBuilder.ConnectionStringBuilder.MaxAutoPrepare == 0)
        {
            // The chat path repeats a handful of statements thousands of times a second: preparing them once per
            // connection saves a parse and plan each time. A connection string's own Max Auto Prepare wins.
            dataSourceBuilder.ConnectionStringBuilder.MaxAutoPrepare = 64;
        }

        // Returning a pooled connection otherwise costs a reset (RESET ALL, SET SESSION AUTHORIZATION,
        // pg_advisory_unlock_all, ...) on its next use: three statements for every one of the thousands of
        // checkouts a second on the chat path. Nothing here keeps session state to reset: advisory locks are
        // transaction-scoped (pg_advisory_xact_lock), settings are SET LOCAL / set_config(..., true), and there is
        // no LISTEN, cursor or temp table.
        dataSourceBuilder.ConnectionStringBuilder.NoResetOnClose = true;
        dataSourceBuilder.UseLoggerFactory(services.GetRequiredService<ILoggerFactory>());
        return dataSourceBuilder.Build();
    }

    /// <summary>Host and port for error messages; never the password.</summary>
    public static string DescribeServer(this NpgsqlDataSource dataSource)
    {
        var csb = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        return string.IsNullOrEmpty(csb.Database) ? $"{csb.Host}:{csb.Port}" : $"{csb.Host}:{csb.Port}/{csb.Database}";
    }
}

internal static class DapperConventions
{
    private static int s_registered;

    public static void Register()
    {
        if (Interlocked.Exchange(ref s_registered, 1) == 1)
        {
            return;
        }

        DefaultTypeMap.MatchNamesWithUnderscores = true;
        // Dapper maps DateTimeOffset itself and never consults a handler for a mapped type; without this a
        // parameter with a non-zero offset (a client's "+07:00") is refused by Npgsql instead of converted to UTC.
        SqlMapper.RemoveTypeMap(typeof(DateTimeOffset));
        SqlMapper.RemoveTypeMap(typeof(DateTimeOffset?));
        SqlMapper.AddTypeHandler(new DateTimeOffsetHandler());
        SqlMapper.AddTypeHandler(new TimeOnlyHandler());
    }

    // Npgsql reads timestamptz as a UTC DateTime; the API speaks DateTimeOffset.
    private sealed class DateTimeOffsetHandler : SqlMapper.TypeHandler<DateTimeOffset>
    {
        public override DateTimeOffset Parse(object value) => value switch
        {
            DateTime dt => new DateTimeOffset(DateTime.SpecifyKind(dt, DateTimeKind.Utc)),
            DateTimeOffset dto => dto,
            _ => throw new InvalidCastException($"Cannot read {value.GetType()} as DateTimeOffset."),
        };

        public override void SetValue(System.Data.IDbDataParameter parameter, DateTimeOffset value)
        {
            parameter.Value = value.ToUniversalTime();
        }
    }

    private sealed class TimeOnlyHandler : SqlMapper.TypeHandler<TimeOnly>
    {
        public override TimeOnly Parse(object value) => value switch
        {
            TimeSpan ts => TimeOnly.FromTimeSpan(ts),
            TimeOnly t => t,
            _ => throw new InvalidCastException($"Cannot read {value.GetType()} as TimeOnly."),
        };

        public override void SetValue(System.Data.IDbDataParameter parameter, TimeOnly value)
        {
            parameter.Value = value;
        }
    }
}
