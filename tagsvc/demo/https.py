"""HTTPS for the demo on a school's local network: phones open the camera only on HTTPS pages (or localhost), so
`tagsvc serve` also answers on HTTPS with a self-signed certificate made on first start and kept in instance/.
A phone warns once that the certificate is not from an authority; production stays behind the school's TLS proxy."""
from __future__ import annotations

import datetime
import ipaddress
from pathlib import Path

CERT_NAME, KEY_NAME = "demo-https-cert.pem", "demo-https-key.pem"


def _names_in(cert_path: Path) -> set[str]:
    from cryptography import x509

    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    if cert.not_valid_after_utc < datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=7):
        return set()
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return {str(n) for n in names.get_values_for_type(x509.IPAddress)} | set(names.get_values_for_type(x509.DNSName))


def demo_certificate(folder: Path, addresses: list[str]) -> tuple[Path, Path]:
    """The certificate and key for these addresses (made, or made anew when an address is not in it)."""
    cert_path, key_path = folder / CERT_NAME, folder / KEY_NAME
    wanted = {"127.0.0.1", "localhost", *addresses}
    if cert_path.exists() and key_path.exists() and wanted <= _names_in(cert_path):
        return cert_path, key_path
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tagsvc demo"), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "tagsvc")])
    alternatives = []
    for address in sorted(wanted):
        try:
            alternatives.append(x509.IPAddress(ipaddress.ip_address(address)))
        except ValueError:
            alternatives.append(x509.DNSName(address))
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=825))  # the longest a phone accepts
        .add_extension(x509.SubjectAlternativeName(alternatives), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path
