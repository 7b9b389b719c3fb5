import type { Person } from "../ports/people.js";
import type { Subscription, SubscriptionStore } from "../ports/subscriptions.js";
import type { SqlExecutor } from "./sql-client.js";

interface SubscriptionRow {
  channel_id: string;
  service_url: string;
  tenant_id: string | null;
  endpoint: string | null;
  created_by: Person;
  created_at: Date;
}

const columns = "channel_id, service_url, tenant_id, endpoint, created_by, created_at";

/** The SubscriptionStore port in plain PostgreSQL (PGlite or a pool). */
export class SqlSubscriptionStore implements SubscriptionStore {
  constructor(private readonly db: SqlExecutor) {}

  async subscribe(s: Subscription): Promise<boolean> {
    const { rows } = await this.db.query(
      `INSERT INTO subscriptions (${columns}) VALUES ($1, $2, $3, $4, $5::json, $6)
       ON CONFLICT (channel_id, lower(coalesce(endpoint, ''))) DO NOTHING RETURNING channel_id`,
      [
        s.channel.channelId,
        s.channel.serviceUrl,
        s.channel.tenantId ?? null,
        s.endpoint ?? null,
        JSON.stringify(s.by),
        s.at,
      ],
    );
    return rows.length === 1;
  }

  async unsubscribe(channelId: string, endpoint: string | undefined): Promise<boolean> {
    const { rows } = await this.db.query(
      `DELETE FROM subscriptions WHERE channel_id = $1 AND lower(coalesce(endpoint, '')) = lower($2)
       RETURNING channel_id`,
      [channelId, endpoint ?? ""],
    );
    return rows.length > 0;
  }

  async subscriptionsOf(channelId: string): Promise<Subscription[]> {
    const { rows } = await this.db.query<SubscriptionRow>(
      `SELECT ${columns} FROM subscriptions WHERE channel_id = $1
       ORDER BY endpoint IS NOT NULL, lower(endpoint), created_at`,
      [channelId],
    );
    return rows.map(toSubscription);
  }

  async subscribersFor(endpoint: string): Promise<Subscription[]> {
    const { rows } = await this.db.query<SubscriptionRow>(
      `SELECT ${columns} FROM subscriptions WHERE lower(endpoint) = lower($1) OR endpoint IS NULL
       ORDER BY endpoint IS NULL, created_at, channel_id`,
      [endpoint],
    );
    return rows.map(toSubscription);
  }
}

function toSubscription(row: SubscriptionRow): Subscription {
  return {
    channel: {
      channelId: row.channel_id,
      serviceUrl: row.service_url,
      ...(row.tenant_id === null ? {} : { tenantId: row.tenant_id }),
    },
    ...(row.endpoint === null ? {} : { endpoint: row.endpoint }),
    by: row.created_by,
    at: row.created_at,
  };
}
