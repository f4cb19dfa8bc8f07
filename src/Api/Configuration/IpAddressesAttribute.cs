using System.ComponentModel.DataAnnotations;
using System.Net;

namespace HsoService.Api.Configuration;

/// <summary>Checks at start that every entry of a list setting is an IP address, naming the first that is not.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class IpAddressesAttribute : ValidationAttribute
{
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        var bad = (value as IEnumerable<string> ?? []).Select((text, index) => (text, index)).FirstOrDefault(e => !IPAddress.TryParse(e.text, out _));
        return bad.text is null
            ? ValidationResult.Success
            : new ValidationResult($"Hso:RateLimit:KnownProxies:{bad.index} is '{bad.text}'; allowed: an IPv4 or IPv6 address");
    }
}
