"""`python -m callbacks`: the scheduler process (make run starts it as `scheduler`)."""
from __future__ import annotations

import logging
import signal
import sys

from callbacks.jobs import Runtime, build_scheduler
from callbacks.lock import SchedulerAlreadyRunning, lock_for
from callbacks.pool import SendPool
from callbacks.sweep import record_outcomes
from hotline.config import ConfigError, load_config
from hotline.store.db import utcnow
from hotline.wiring import build_services
from ivr.webhooks import twilio_webhooks  # the scheduler places calls whose TwiML the ivr serves

log = logging.getLogger("callbacks")


def main() -> int:
    """Take the lock, build the services once, run the jobs until SIGTERM/SIGINT."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # One line per tick, or per Twilio request and header, is noise.
    logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
    try:
        config = load_config()
    except ConfigError as exc:
        print(f"scheduler: bad configuration: {exc}", file=sys.stderr)
        return 2
    lock = lock_for(config)
    try:
        lock.acquire()
    except SchedulerAlreadyRunning as exc:
        print(f"scheduler: {exc}", file=sys.stderr)
        return 3
    services = build_services(config, twilio_webhooks(config.app.public_base_url))
    pool = SendPool(config.scheduler.pool_size)
    runtime = Runtime(services, pool)
    scheduler = build_scheduler(runtime)

    def _stop(signum, _frame):
        log.info("signal %s: stopping after the sends in flight", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    log.info("scheduler started: sweep every %ss, %s senders, database %s", config.scheduler.sweep_interval_s,
             config.scheduler.pool_size, services.engine.url.render_as_string(hide_password=True))
    try:
        scheduler.start()
    finally:
        pool.shutdown()
        record_outcomes(services, runtime.outcomes, utcnow())  # the sends that were in flight
        services.dispose()
        lock.release()
    return 0


if __name__ == "__main__":
    sys.exit(main())
