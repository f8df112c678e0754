import { byId } from './dom.ts';

/**
 * Asks a yes/no question in the page's modal `<dialog>` (focus stays inside it; Escape cancels).
 * Resolves to true only when the person chose the confirming button.
 *
 * @example
 * if (await confirmAction('Sign out Firefox on Windows?', 'It will need to sign in again.', 'Sign out')) revoke()
 */
export function confirmAction(title: string, text: string, confirmLabel: string): Promise<boolean> {
  const dialog = byId('confirm', HTMLDialogElement);
  byId('confirm-title', HTMLHeadingElement).textContent = title;
  byId('confirm-text', HTMLParagraphElement).textContent = text;
  byId('confirm-ok', HTMLButtonElement).textContent = confirmLabel;
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener(
      'close',
      () => {
        if (opener?.isConnected) opener.focus();
        resolve(dialog.returnValue === 'confirm');
      },
      { once: true },
    );
    dialog.showModal();
    byId('confirm-cancel', HTMLButtonElement).focus();
  });
}
