using System.Security.Cryptography;
using System.Text;

namespace ClinicChat.Payments;

/// <summary>Midtrans' notification signature: SHA512(order_id + status_code + gross_amount + serverKey), hex.</summary>
public static class MidtransSignature
{
    public static string Compute(string orderId, string statusCode, string grossAmount, string serverKey) =>
        Convert.ToHexStringLower(SHA512.HashData(Encoding.UTF8.GetBytes(orderId + statusCode + grossAmount + serverKey)));

    public static bool IsValid(MidtransNotification notification, string serverKey)
    {
        if (notification is not { OrderId: { } orderId, StatusCode: { } statusCode, GrossAmount: { } grossAmount, SignatureKey: { } signature })
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Compute(orderId, statusCode, grossAmount, serverKey));
        // Hex is case-insensitive; lower-casing does not depend on the secret, so it leaks nothing.
        var actual = Encoding.ASCII.GetBytes(signature.Trim().ToLowerInvariant());
        return CryptographicOperations.FixedTimeEquals(expected, actual);
    }
}
