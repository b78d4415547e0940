-- The orchestrators' self-signed TLS certificate (docs/orchestrator.md, "TLS"), made by the first
-- orchestrator that starts with nervesys.orchestrator.tls.selfSigned=true and used by all of them, so
-- that agents behind a load balancer see one certificate whichever orchestrator answers. One row:
-- the first insert wins (ON CONFLICT DO NOTHING), the others read it. key_pem is the private key
-- (PKCS#8 PEM): whoever can read this table can impersonate the orchestrators to agents that pinned
-- it; operators who do not accept that give their own PEM files (nervesys.orchestrator.tls.cert/key).

CREATE TABLE orchestrator_tls (
    id          smallint PRIMARY KEY CHECK (id = 1),
    cert_pem    text NOT NULL,
    key_pem     text NOT NULL,
    fingerprint text NOT NULL,               -- SHA-256 of the certificate's DER, hex
    created_at  timestamptz NOT NULL
);
