// RFC 3161 time-stamps for the vault's signed checkpoints. Our own Ed25519 signature shows who signed a
// checkpoint, not when: a token from an independent Time-Stamp Authority over the checkpoint's SHA-256
// shows it existed at genTime, so a checkpoint cannot be back-dated even by whoever holds our key.
// Built on pkijs/asn1js over Node's WebCrypto; plain fetch, no HTTP framework.
import { createHash, randomBytes, webcrypto } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

const OID = {
  sha256: '2.16.840.1.101.3.4.2.1',
  sha1: '1.3.14.3.2.26',
  rsaEncryption: '1.2.840.113549.1.1.1',
  tstInfo: pkijs.id_eContentType_TSTInfo,
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingCertificate: '1.2.840.113549.1.9.16.2.12',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  kpTimeStamping: '1.3.6.1.5.5.7.3.8',
} as const;

// Our own engine over Node's WebCrypto, passed explicitly: pkijs otherwise uses a process-global engine
// that any other module may replace with setEngine().
const engine = new pkijs.CryptoEngine({ name: 'node-webcrypto', crypto: webcrypto as unknown as Crypto });

const NAME_ATTRS: Record<string, string> = { '2.5.4.3': 'CN', '2.5.4.6': 'C', '2.5.4.10': 'O', '2.5.4.11': 'OU' };
const DEFAULT_TIMEOUT_MS = 10_000;
const STATUS_NAMES = ['granted', 'grantedWithMods', 'rejection', 'waiting', 'revocationWarning', 'revocationNotification'];

const ab = (b: Uint8Array): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
const hex = (b: ArrayBuffer | Uint8Array) => Buffer.from(b instanceof Uint8Array ? b : new Uint8Array(b)).toString('hex');
const sameBytes = (a: ArrayBuffer | Uint8Array, b: ArrayBuffer | Uint8Array) => hex(a) === hex(b);
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** ContentInfo → SignedData → TSTInfo; throws on anything that is not a time-stamp token. */
function parseToken(der: Uint8Array): { signed: pkijs.SignedData; tstInfo: pkijs.TSTInfo; eContent: ArrayBuffer } {
  const ci = pkijs.ContentInfo.fromBER(ab(der));
  if (ci.contentType !== pkijs.ContentInfo.SIGNED_DATA) throw new Error(`content type ${ci.contentType} is not CMS SignedData`);
  const signed = new pkijs.SignedData({ schema: ci.content });
  if (signed.encapContentInfo.eContentType !== OID.tstInfo) throw new Error(`encapsulated content ${signed.encapContentInfo.eContentType} is not TSTInfo`);
  if (!signed.encapContentInfo.eContent) throw new Error('TSTInfo content is missing');
  const eContent = signed.encapContentInfo.eContent.getValue();
  return { signed, tstInfo: pkijs.TSTInfo.fromBER(eContent), eContent };
}

/**
 * Asks the TSA at tsaUrl to time-stamp digest (a SHA-256) and returns the TimeStampToken, the DER
 * ContentInfo exactly as the TSA sent it — the bytes to archive. Throws if the TSA cannot be reached in
 * time, refuses, or answers for another imprint or nonce (a stale or misrouted reply).
 */
export async function requestTimestamp(tsaUrl: string, digest: Buffer, o: { timeoutMs?: number } = {}): Promise<Buffer> {
  if (digest.length !== 32) throw new Error(`requestTimestamp: digest must be a SHA-256 (32 bytes), got ${digest.length} bytes`);
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // A random 64-bit nonce ties the reply to this request; certReq so the token carries the signer
  // certificate and can be verified later without fetching anything.
  const nonce = BigInt(`0x${randomBytes(8).toString('hex')}`);
  const req = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({
      // With explicit NULL parameters, as OpenSSL sends them: some TSAs are picky about it.
      hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256, algorithmParams: new asn1js.Null() }),
      hashedMessage: new asn1js.OctetString({ valueHex: digest }),
    }),
    nonce: asn1js.Integer.fromBigInt(nonce),
    certReq: true,
  });

  let body: Buffer;
  try {
    const res = await fetch(tsaUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply' },
      body: new Uint8Array(req.toSchema().toBER(false)),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`.trim());
    body = Buffer.from(await res.arrayBuffer());
  } catch (e) {
    const why = e instanceof Error && e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : message(e) + (e instanceof Error && e.cause ? ` (${message(e.cause)})` : '');
    throw new Error(`time-stamp request to ${tsaUrl} failed: ${why}`);
  }

  let resp: pkijs.TimeStampResp;
  let tokenDer: Uint8Array | undefined;
  try {
    const parsed = asn1js.fromBER(ab(body));
    if (parsed.offset === -1) throw new Error(parsed.result.error);
    resp = new pkijs.TimeStampResp({ schema: parsed.result });
    // The token's original bytes, not a re-encoding: what the TSA signed is what we keep.
    const second = (parsed.result as asn1js.Sequence).valueBlock.value[1];
    if (second) tokenDer = new Uint8Array(second.valueBeforeDecodeView);
  } catch (e) {
    throw new Error(`time-stamp reply from ${tsaUrl} is not a TimeStampResp: ${message(e)}`);
  }

  const status = resp.status.status;
  if (status !== pkijs.PKIStatus.granted && status !== pkijs.PKIStatus.grantedWithMods) {
    const text = resp.status.statusStrings?.map((s) => s.valueBlock.value).join('; ');
    const failInfo = resp.status.failInfo ? ` failInfo ${hex(resp.status.failInfo.valueBlock.valueHexView)}` : '';
    throw new Error(`TSA ${tsaUrl} refused the time-stamp: status ${STATUS_NAMES[status] ?? 'unknown'} (${status})${text ? `: ${text}` : ''}${failInfo}`);
  }
  if (!tokenDer) throw new Error(`TSA ${tsaUrl} granted the request but sent no token`);

  let tstInfo: pkijs.TSTInfo;
  try {
    ({ tstInfo } = parseToken(tokenDer));
  } catch (e) {
    throw new Error(`time-stamp token from ${tsaUrl} is malformed: ${message(e)}`);
  }
  const imprint = tstInfo.messageImprint;
  if (imprint.hashAlgorithm.algorithmId !== OID.sha256 || !sameBytes(imprint.hashedMessage.valueBlock.valueHexView, digest)) {
    throw new Error(`TSA ${tsaUrl} time-stamped another imprint (${imprint.hashAlgorithm.algorithmId}:${hex(imprint.hashedMessage.valueBlock.valueHexView)}) than requested (sha256:${digest.toString('hex')})`);
  }
  if (!tstInfo.nonce || tstInfo.nonce.toBigInt() !== nonce) {
    throw new Error(`TSA ${tsaUrl} answered with ${tstInfo.nonce ? 'another' : 'no'} nonce: not a reply to this request`);
  }
  return Buffer.from(tokenDer);
}

export type TimestampVerification =
  | { ok: true; genTime: string; serialNumber: string; tsaCertFingerprint: string }
  | { ok: false; problem: string };

function pemCertificates(pems: string[]): Buffer[] {
  return pems.map((pem, i) => {
    const m = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/.exec(pem);
    if (!m) throw new Error(`trustedCertsPem[${i}] is not a PEM certificate`);
    return Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64');
  });
}

function findSignerCert(signed: pkijs.SignedData, signer: pkijs.SignerInfo): pkijs.Certificate | undefined {
  const certs = (signed.certificates ?? []).filter((c): c is pkijs.Certificate => c instanceof pkijs.Certificate);
  if (signer.sid instanceof pkijs.IssuerAndSerialNumber) {
    const sid = signer.sid;
    return certs.find((c) => c.issuer.isEqual(sid.issuer) && c.serialNumber.isEqual(sid.serialNumber));
  }
  // subjectKeyIdentifier [0]: RFC 5280's method 1, SHA-1 of the public key bits.
  const sid = signer.sid as asn1js.Constructed & asn1js.Primitive;
  const keyId = sid.idBlock.isConstructed ? (sid.valueBlock.value[0] as asn1js.OctetString).valueBlock.valueHexView : sid.valueBlock.valueHexView;
  return certs.find((c) => sameBytes(createHash('sha1').update(c.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView).digest(), keyId));
}

/** The certHash of the first ESSCertID(v2) of the signing-certificate attribute, with its algorithm. */
function essCertHash(attrs: pkijs.Attribute[]): { algorithm: string; hash: Uint8Array } | undefined {
  const v2 = attrs.find((a) => a.type === OID.signingCertificateV2);
  const v1 = attrs.find((a) => a.type === OID.signingCertificate);
  const attr = v2 ?? v1;
  if (!attr) return undefined;
  const certs = (attr.values[0] as asn1js.Sequence).valueBlock.value[0] as asn1js.Sequence;
  const first = certs.valueBlock.value[0] as asn1js.Sequence;
  const [a, b] = first.valueBlock.value;
  if (!v2) return { algorithm: OID.sha1, hash: (a as asn1js.OctetString).valueBlock.valueHexView };
  // ESSCertIDv2: hashAlgorithm DEFAULT sha256 is absent when it is SHA-256.
  if (a instanceof asn1js.OctetString) return { algorithm: OID.sha256, hash: a.valueBlock.valueHexView };
  return { algorithm: new pkijs.AlgorithmIdentifier({ schema: a }).algorithmId, hash: (b as asn1js.OctetString).valueBlock.valueHexView };
}

async function digestWith(oid: string, data: ArrayBuffer | Uint8Array): Promise<ArrayBuffer> {
  const alg = engine.getAlgorithmByOID(oid);
  if (!('name' in alg)) throw new Error(`unsupported digest algorithm ${oid}`);
  return engine.digest({ name: alg.name }, data instanceof Uint8Array ? ab(data) : data);
}

/**
 * Checks a TimeStampToken against digest (SHA-256): the CMS signature with the certificate embedded in
 * the token, the binding of that certificate by the ESS signing-certificate attribute, its
 * timeStamping extended key usage and validity at genTime, and — with trustedCertsPem — that it is one
 * of them (pinned, byte-equal DER; no chain building). Without trustedCertsPem the token is only
 * self-consistent: the fingerprint says which TSA signed, for the caller to judge.
 * Never throws for a bad token (only for a trustedCertsPem entry that is not PEM).
 */
export async function verifyTimestampToken(token: Buffer, digest: Buffer, o: { trustedCertsPem?: string[] } = {}): Promise<TimestampVerification> {
  const trusted = o.trustedCertsPem ? pemCertificates(o.trustedCertsPem) : undefined;
  const fail = (problem: string): TimestampVerification => ({ ok: false, problem });

  let parsed: ReturnType<typeof parseToken>;
  try {
    parsed = parseToken(token);
  } catch (e) {
    return fail(`malformed token: ${message(e)}`);
  }
  const { signed, tstInfo, eContent } = parsed;
  // RFC 3161 §2.4.2: exactly one signer, and it must carry signed attributes (the ESS one is mandatory).
  const signer = signed.signerInfos[0];
  if (signed.signerInfos.length !== 1 || !signer) return fail(`malformed token: ${signed.signerInfos.length} signers, expected 1`);
  const attrs = signer.signedAttrs?.attributes;
  if (!signer.signedAttrs || !attrs) return fail('malformed token: the signer has no signed attributes');
  const cert = findSignerCert(signed, signer);
  if (!cert) return fail('malformed token: the signer certificate is not embedded in the token (requested without certReq?)');
  const certDer = new Uint8Array(cert.toSchema().toBER(false));
  const fingerprint = createHash('sha256').update(certDer).digest('hex');

  // Integrity first, so a tampered token is reported as such rather than as "another digest".
  try {
    const ct = attrs.find((a) => a.type === OID.contentType)?.values[0];
    if (!(ct instanceof asn1js.ObjectIdentifier) || ct.valueBlock.toString() !== OID.tstInfo) {
      return fail('bad signature: the signed content-type attribute is missing or is not TSTInfo');
    }
    const md = attrs.find((a) => a.type === OID.messageDigest)?.values[0];
    if (!(md instanceof asn1js.OctetString)) return fail('bad signature: the signed message-digest attribute is missing');
    if (!sameBytes(await digestWith(signer.digestAlgorithm.algorithmId, eContent), md.valueBlock.valueHexView)) {
      return fail('bad signature: TSTInfo does not match the signed message digest (token altered)');
    }
    const hashName = signer.signatureAlgorithm.algorithmId === OID.rsaEncryption ? (engine.getAlgorithmByOID(signer.digestAlgorithm.algorithmId) as { name?: string }).name : undefined;
    const valid = await engine.verifyWithPublicKey(signer.signedAttrs.encodedValue, signer.signature, cert.subjectPublicKeyInfo, signer.signatureAlgorithm, hashName);
    if (!valid) return fail(`bad signature: the CMS signature does not verify with the embedded signer certificate (SHA-256 ${fingerprint})`);
  } catch (e) {
    return fail(`bad signature: cannot check it: ${message(e)}`);
  }

  // Without this binding, a certificate with the same key but other attributes could be swapped in.
  try {
    const ess = essCertHash(attrs);
    if (!ess) return fail('malformed token: no ESS signing-certificate attribute');
    if (!sameBytes(await digestWith(ess.algorithm, certDer), ess.hash)) {
      return fail(`bad signature: the signing-certificate attribute does not name the embedded certificate (SHA-256 ${fingerprint})`);
    }
  } catch (e) {
    return fail(`malformed token: unreadable ESS signing-certificate attribute: ${message(e)}`);
  }

  const imprint = tstInfo.messageImprint;
  if (imprint.hashAlgorithm.algorithmId !== OID.sha256) {
    return fail(`wrong digest: the token's message imprint uses ${imprint.hashAlgorithm.algorithmId}, not SHA-256`);
  }
  const stamped = hex(imprint.hashedMessage.valueBlock.valueHexView);
  if (stamped !== digest.toString('hex')) return fail(`wrong digest: the token time-stamps ${stamped}, not ${digest.toString('hex')}`);

  // RFC 3161 §2.3: a TSA certificate has one extendedKeyUsage, timeStamping, and it is critical.
  const eku = cert.extensions?.find((x) => x.extnID === pkijs.id_ExtKeyUsage);
  const purposes = eku?.parsedValue instanceof pkijs.ExtKeyUsage ? eku.parsedValue.keyPurposes : [];
  if (!eku?.critical || !purposes.includes(OID.kpTimeStamping)) {
    return fail(`untrusted signer: certificate SHA-256 ${fingerprint} is not a TSA certificate (no critical extendedKeyUsage timeStamping)`);
  }
  const genTime = tstInfo.genTime;
  if (genTime < cert.notBefore.value || genTime > cert.notAfter.value) {
    return fail(`untrusted signer: certificate SHA-256 ${fingerprint} was not valid at genTime ${genTime.toISOString()}`);
  }
  if (trusted && !trusted.some((t) => sameBytes(t, certDer))) {
    const subject = cert.subject.typesAndValues.map((tv) => `${NAME_ATTRS[tv.type] ?? tv.type}=${tv.value.valueBlock.value}`).join(', ');
    return fail(`untrusted signer: the token is signed by certificate SHA-256 ${fingerprint} (${subject}), not one of the ${trusted.length} trusted`);
  }
  return { ok: true, genTime: genTime.toISOString(), serialNumber: tstInfo.serialNumber.toBigInt().toString(), tsaCertFingerprint: fingerprint };
}
