"""Scheduled publishing: ``cron`` (schedules in a time zone), ``state`` (state file, run log), ``runner`` (what is due,
``schedule --once``), ``scheduler`` (the long-running ``briefings schedule``)."""
