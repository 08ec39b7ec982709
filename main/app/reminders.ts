import { Notification } from 'electron';
import { ReminderRunner } from '../core/lifecycle/reminderRunner.ts';
import type { Vault } from '../core/vault/vault.ts';

/**
 * Expiry reminders as OS notifications. The core decides which are due and remembers them; this
 * only shows each one and brings the window forward when it is clicked.
 */
export function startReminders(vault: Vault, showWindow: () => void): ReminderRunner | null {
  // With no notification service nothing would be seen, so nothing may be marked as sent.
  if (!Notification.isSupported()) return null;
  // Held until closed: a notification collected by the garbage collector loses its click handler.
  const shown = new Set<Notification>();
  const runner = new ReminderRunner({
    vault,
    notify: (reminder) => {
      const notification = new Notification({ title: reminder.title, body: reminder.body });
      shown.add(notification);
      notification.on('click', showWindow);
      notification.on('close', () => shown.delete(notification));
      notification.show();
    },
    log: (message) => console.error(message),
  });
  runner.start();
  return runner;
}
