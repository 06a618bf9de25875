// A real RFC 3161 Time-Stamp Authority on loopback, for tests: the same wire protocol (HTTP POST of a
// DER TimeStampReq, DER TimeStampResp back) as a public TSA, with a key and a self-signed certificate
// made at start — so time-stamping is tested end to end without the network, and the tokens it signs
// are complete enough for `openssl ts -verify` to accept them (which is what makes them credible).
import { createHash, randomBytes, webcrypto } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

const OID = {
  sha256: '2.16.840.1.101.3.4.2.1',
  commonName: '2.5.4.3',
  kpTimeStamping: '1.3.6.1.5.5.7.3.8',
  tstInfo: pkijs.id_eContentType_TSTInfo,
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  testPolicy: '1.3.6.1.4.1.99999.1',
} as const;

// An explicit engine over Node's WebCrypto rather than pkijs' process-global one.
const engine = new pkijs.CryptoEngine({ name: 'node-webcrypto', crypto: webcrypto as unknown as Crypto });
const ab = (b: Uint8Array): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest();
const MAX_REQUEST = 64 * 1024;

export interface TestTsa {
  url: string;
  /** The TSA's self-signed certificate, PEM — what a verifier pins. */
  certPem: string;
  close(): Promise<void>;
}

/** ECDSA P-256 / SHA-256: quick to generate at each start, and both pkijs and OpenSSL verify it. */
async function makeIdentity() {
  const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  const cert = new pkijs.Certificate();
  cert.version = 2; // v3, for extensions
  cert.serialNumber = asn1js.Integer.fromBigInt(BigInt(`0x${randomBytes(8).toString('hex')}`) + 1n);
  const cn = () => new pkijs.AttributeTypeAndValue({ type: OID.commonName, value: new asn1js.Utf8String({ value: 'Justif test TSA' }) });
  cert.issuer.typesAndValues.push(cn());
  cert.subject.typesAndValues.push(cn());
  const now = Date.now();
  cert.notBefore.value = new Date(now - 60 * 60_000);
  cert.notAfter.value = new Date(now + 24 * 60 * 60_000);
  await cert.subjectPublicKeyInfo.importKey(keys.publicKey as unknown as CryptoKey, engine);
  const eku = new pkijs.ExtKeyUsage({ keyPurposes: [OID.kpTimeStamping] });
  const skid = createHash('sha1').update(cert.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView).digest();
  // RFC 3161 §2.3: exactly one extendedKeyUsage, timeStamping, critical. No keyUsage: OpenSSL's
  // timestamping purpose would refuse keyCertSign, and a self-signed cert needs no CA bits to be pinned.
  cert.extensions = [
    new pkijs.Extension({ extnID: pkijs.id_ExtKeyUsage, critical: true, extnValue: eku.toSchema().toBER(false), parsedValue: eku }),
    new pkijs.Extension({ extnID: pkijs.id_SubjectKeyIdentifier, critical: false, extnValue: new asn1js.OctetString({ valueHex: skid }).toBER(false) }),
  ];
  await cert.sign(keys.privateKey as unknown as CryptoKey, 'SHA-256', engine);
  const der = Buffer.from(cert.toSchema(true).toBER(false));
  const certPem = `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE-----\n`;
  return { privateKey: keys.privateKey as unknown as CryptoKey, cert, der, certPem };
}

type Identity = Awaited<ReturnType<typeof makeIdentity>>;

function statusOnly(status: pkijs.PKIStatus, text: string): ArrayBuffer {
  const resp = new pkijs.TimeStampResp({
    status: new pkijs.PKIStatusInfo({ status, statusStrings: [new asn1js.Utf8String({ value: text })] }),
  });
  return resp.toSchema().toBER(false);
}

async function grant(req: pkijs.TimeStampReq, serial: bigint, id: Identity): Promise<ArrayBuffer> {
  const tstInfo = new pkijs.TSTInfo({
    version: 1,
    policy: OID.testPolicy,
    messageImprint: req.messageImprint,
    serialNumber: asn1js.Integer.fromBigInt(serial),
    genTime: new Date(),
    accuracy: new pkijs.Accuracy({ seconds: 1 }),
    ...(req.nonce ? { nonce: req.nonce } : {}),
  });
  const tstDer = new Uint8Array(tstInfo.toSchema().toBER(false));

  // Signed attributes: contentType and messageDigest (CMS), and the ESS signingCertificateV2 that
  // binds the signer certificate (RFC 3161 §2.4.1 requires it; OpenSSL refuses tokens without it).
  // ESSCertIDv2 with the default hash (SHA-256), so hashAlgorithm is omitted as DER wants.
  const attributes = [
    new pkijs.Attribute({ type: OID.contentType, values: [new asn1js.ObjectIdentifier({ value: OID.tstInfo })] }),
    new pkijs.Attribute({ type: OID.signingTime, values: [new asn1js.UTCTime({ valueDate: new Date() })] }),
    new pkijs.Attribute({ type: OID.messageDigest, values: [new asn1js.OctetString({ valueHex: sha256(tstDer) })] }),
    new pkijs.Attribute({
      type: OID.signingCertificateV2,
      values: [new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [new asn1js.OctetString({ valueHex: sha256(id.der) })] })] })] })],
    }),
  ];
  // DER orders a SET OF by encoding; sign what we will send.
  const enc = (a: pkijs.Attribute) => Buffer.from(a.toSchema().toBER(false));
  attributes.sort((a, b) => Buffer.compare(enc(a), enc(b)));

  const signed = new pkijs.SignedData({
    version: 3,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: OID.tstInfo, eContent: new asn1js.OctetString({ valueHex: tstDer }) }),
    signerInfos: [
      new pkijs.SignerInfo({
        version: 1,
        sid: new pkijs.IssuerAndSerialNumber({ issuer: id.cert.issuer, serialNumber: id.cert.serialNumber }),
        signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes }),
      }),
    ],
    ...(req.certReq ? { certificates: [id.cert] } : {}),
  });
  await signed.sign(id.privateKey, 0, 'SHA-256', undefined, engine);

  const resp = new pkijs.TimeStampResp({
    status: new pkijs.PKIStatusInfo({ status: pkijs.PKIStatus.granted }),
    timeStampToken: new pkijs.ContentInfo({ contentType: pkijs.ContentInfo.SIGNED_DATA, content: signed.toSchema(true) }),
  });
  return resp.toSchema().toBER(false);
}

async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function startTsa(o: { reject?: boolean } = {}): Promise<TestTsa> {
  const id = await makeIdentity();
  let serial = 0n;

  const reply = (res: ServerResponse, der: ArrayBuffer) => {
    res.writeHead(200, { 'content-type': 'application/timestamp-reply', 'content-length': der.byteLength });
    res.end(Buffer.from(der));
  };

  const server = createServer((req, res) => {
    void (async () => {
      if (req.method !== 'POST') return void res.writeHead(405, { allow: 'POST' }).end();
      if ((req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase() !== 'application/timestamp-query') {
        return void res.writeHead(415).end();
      }
      const body = await readBody(req);
      if (!body) return void res.writeHead(413).end();
      // RFC 3161 §2.4.2: protocol-level problems are answered as a TimeStampResp with a status.
      if (o.reject) return reply(res, statusOnly(pkijs.PKIStatus.rejection, 'test TSA configured to reject'));
      let tsReq: pkijs.TimeStampReq;
      try {
        tsReq = pkijs.TimeStampReq.fromBER(ab(body));
      } catch {
        return reply(res, statusOnly(pkijs.PKIStatus.rejection, 'malformed TimeStampReq'));
      }
      if (tsReq.messageImprint.hashAlgorithm.algorithmId !== OID.sha256 || tsReq.messageImprint.hashedMessage.valueBlock.valueHexView.byteLength !== 32) {
        return reply(res, statusOnly(pkijs.PKIStatus.rejection, 'only SHA-256 message imprints are accepted'));
      }
      if (tsReq.reqPolicy && tsReq.reqPolicy !== OID.testPolicy) return reply(res, statusOnly(pkijs.PKIStatus.rejection, 'unaccepted policy'));
      serial += 1n;
      reply(res, await grant(tsReq, serial, id));
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/tsa`,
    certPem: id.certPem,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
