using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ClinicChat.Infrastructure;

/// <summary>
/// Keeps the Data Protection key ring in PostgreSQL, so bearer tokens stay valid across restarts and are
/// accepted by every server instance sharing the database.
/// </summary>
internal sealed class PostgresXmlRepository(NpgsqlDataSource dataSource) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var command = dataSource.CreateCommand("select xml from data_protection_keys order by created_at");
        using var reader = command.ExecuteReader();
        var elements = new List<XElement>();
        while (reader.Read())
        {
            elements.Add(XElement.Parse(reader.GetString(0)));
        }

        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var command = dataSource.CreateCommand(
            "insert into data_protection_keys (friendly_name, xml) values ($1, $2) on conflict (friendly_name) do nothing");
        command.Parameters.AddWithValue(friendlyName);
        command.Parameters.AddWithValue(element.ToString(SaveOptions.DisableFormatting));
        command.ExecuteNonQuery();
    }
}

public static class DataProtectionSetup
{
    public static WebApplicationBuilder AddKeyRingInDatabase(this WebApplicationBuilder builder)
    {
        builder.Services.AddDataProtection().SetApplicationName("ClinicChat");
        builder.Services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(services =>
            new ConfigureOptions<KeyManagementOptions>(options =>
                options.XmlRepository = new PostgresXmlRepository(services.GetRequiredService<NpgsqlDataSource>())));
        return builder;
    }
}
