import { sql } from "drizzle-orm";
import cron, { type ScheduledTask } from "node-cron";
import type { Logger } from "pino";
import type { Database } from "../db/client";
import { notifyEnqueued } from "../db/outbox";
import { rowsOf } from "../db/client";
import { TIME_ZONE } from "../i18n/format";
import { forgetStaleSearchOrigins } from "../domain/actions";
import { broadcastProgress } from "../domain/broadcasts";
import { commandMenuJob } from "../domain/command-menu";
import { forgetExpiredConversations } from "../domain/conversation-state";
import { askToConfirmAttendance } from "../domain/attendance";
import {
  actionReminders,
  alertDigest,
  clubMeetingReminders,
  HOUSEKEEPING_SLICE,
  type JobRun,
  marathonDigest,
  outboxHousekeeping,
} from "./jobs";

export interface Job {
  /** Also the job's lock: keep it stable across versions (see jobLockKey). */
  name: string;
  /** node-cron expression, Asia/Almaty. */
  cron: string;
  run: JobRun;
  /**
   * Housekeeping: `run` handles one slice of at most this many rows, and each slice runs in a short transaction of
   * its own (taking the job's lock again), called again while slices come back full. A large purge then never holds
   * locks and WAL for its whole run. Without it, one run is one transaction.
   */
  slice?: number;
}

/** The first key of every job lock (pg_try_advisory_xact_lock(int, int)); the second is the job name's hash. */
const JOB_LOCK_CLASS = 72_031_182;

/**
 * A job's advisory-lock key, from its name (FNV-1a, 32 bits, signed): the same job has the same key on every
 * instance and version, whatever order the jobs are listed in (during a rolling deploy, too).
 */
export function jobLockKey(name: string): [number, number] {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(name, "utf8")) hash = Math.imul(hash ^ byte, 0x01000193);
  return [JOB_LOCK_CLASS, hash | 0];
}

export function defaultJobs(options: { retentionDays?: number; adminIds?: ReadonlySet<number> } = {}): Job[] {
  return [
    { name: "action-reminders", cron: "* * * * *", run: actionReminders },
    { name: "club-reminders", cron: "*/5 * * * *", run: clubMeetingReminders },
    { name: "marathon-digest", cron: "7 * * * *", run: marathonDigest },
    { name: "alert-digest", cron: "0 19 * * *", run: alertDigest },
    {
      name: "outbox-housekeeping",
      cron: "30 3 * * *",
      run: outboxHousekeeping(options.retentionDays ?? 14),
      slice: HOUSEKEEPING_SLICE,
    },
    { name: "forget-search-origins", cron: "15 * * * *", run: forgetStaleSearchOrigins },
    { name: "forget-conversations", cron: "45 * * * *", run: forgetExpiredConversations },
    // Every 5 s: the organizers' progress messages (at most one edit each per run, within Telegram's edit limits).
    { name: "broadcast-progress", cron: "*/5 * * * * *", run: broadcastProgress },
    { name: "attendance-ask", cron: "*/5 * * * *", run: askToConfirmAttendance },
    // Every 20 s: a new organizer or coordinator finds their commands in the menu soon after being approved.
    { name: "command-menus", cron: "*/20 * * * * *", run: commandMenuJob(options.adminIds ?? new Set()) },
  ];
}

export interface SchedulerOptions {
  db: Database;
  logger: Logger;
  jobs?: Job[];
  clock?: () => Date;
}

/**
 * Runs the jobs on their cron schedules. On every tick a job first takes its PostgreSQL advisory lock
 * (pg_try_advisory_xact_lock, inside the job's transaction): if another instance holds it, this one skips the tick.
 * start() first runs every job once, catching up on what fell due while no instance was running.
 */
export class Scheduler {
  private readonly jobs: Job[];
  private readonly clock: () => Date;
  private tasks: ScheduledTask[] = [];
  private readonly running = new Set<Promise<unknown>>();
  private stopped = true;
  /** When a job was last tried (liveness: action-reminders runs every minute). */
  private lastRun = 0;

  constructor(private readonly options: SchedulerOptions) {
    this.jobs = options.jobs ?? defaultJobs();
    this.clock = options.clock ?? (() => new Date());
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.track(this.runAll());
    if (this.stopped) return;
    this.tasks = this.jobs.map((job) =>
      cron.schedule(job.cron, () => this.track(this.runJob(job)), {
        timezone: TIME_ZONE,
        noOverlap: true,
        name: job.name,
      }),
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.tasks.map((task) => task.destroy()));
    this.tasks = [];
    await Promise.all(this.running);
  }

  /** Started, not stopped, and its cron still fires (some job was tried within five minutes): for /healthz. */
  alive(): boolean {
    return !this.stopped && this.tasks.length > 0 && Date.now() - this.lastRun < 5 * 60_000;
  }

  /** Runs every job once now (what start() does first); returns the rows each enqueued, or "skipped". */
  async runAll(now = this.clock()): Promise<Record<string, number | "skipped">> {
    const result: Record<string, number | "skipped"> = {};
    for (const job of this.jobs) result[job.name] = await this.runJob(job, now);
    return result;
  }

  /** One run of one job under its lock; failures are logged, never thrown (the next tick tries again). */
  async runJob(job: Job, now = this.clock()): Promise<number | "skipped"> {
    this.lastRun = Date.now();
    const [lockClass, lockKey] = jobLockKey(job.name);
    const once = () =>
      this.options.db.transaction(async (tx) => {
        const [lock] = rowsOf<{ locked: boolean }>(
          await tx.execute(sql`select pg_try_advisory_xact_lock(${lockClass}::int, ${lockKey}::int) as locked`),
        );
        if (!lock?.locked) return "skipped" as const;
        return job.run(tx, now);
      });
    try {
      let outcome: number | "skipped";
      if (job.slice === undefined) outcome = await once();
      else {
        let total = 0;
        for (;;) {
          const rows = await once();
          if (rows === "skipped") {
            outcome = total > 0 ? total : "skipped";
            break;
          }
          total += rows;
          if (rows < job.slice) {
            outcome = total;
            break;
          }
        }
      }
      if (typeof outcome === "number" && outcome > 0) {
        this.options.logger.info({ job: job.name, rows: outcome }, "scheduler job done");
        notifyEnqueued();
      }
      return outcome;
    } catch (error) {
      this.options.logger.error({ err: error, job: job.name }, "scheduler job failed");
      return 0;
    }
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.running.add(promise);
    void promise.finally(() => this.running.delete(promise));
    return promise;
  }
}
