import { createHmac, timingSafeEqual } from 'node:crypto';
import { ApiError } from './errors';

// Notice links (公示): a unit's published roster is public to anyone holding its link, and the link
// is the only permission to file an objection. The token names the campaign and unit and carries
// an HMAC of them (and the phase) under a key derived from the webhook signing secret, which every
// API process already has: it cannot be guessed or altered, and it survives restarts.

const SEPARATOR = '~'; // never in an id (letters, digits, '-', '_'), and safe in a URL path

export interface NoticeTarget {
  campaignId: string;
  unitId: string;
}

export class NoticeLinks {
  private readonly key: Buffer;

  constructor(secret: string) {
    // Labelled, so the webhook signing secret itself never signs a link.
    this.key = createHmac('sha256', secret).update('relief-campaigns/notice-links/v1').digest();
  }

  private mac({ campaignId, unitId }: NoticeTarget): Buffer {
    return createHmac('sha256', this.key).update(`${campaignId}\n${unitId}\npublicity`).digest().subarray(0, 16);
  }

  token(target: NoticeTarget): string {
    return [target.campaignId, target.unitId, this.mac(target).toString('base64url')].join(SEPARATOR);
  }

  /** The campaign and unit a genuine token names; a forged or altered one is a 404, as if no such notice existed. */
  open(token: string): NoticeTarget {
    const [campaignId, unitId, mac, ...rest] = token.split(SEPARATOR);
    const given = Buffer.from(mac ?? '', 'base64url');
    if (campaignId && unitId && !rest.length) {
      const expected = this.mac({ campaignId, unitId });
      if (given.length === expected.length && timingSafeEqual(given, expected)) return { campaignId, unitId };
    }
    throw new ApiError(404, 'not-found', 'no such notice: check the notice link');
  }
}
