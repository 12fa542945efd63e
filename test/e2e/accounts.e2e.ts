/** Sign-up, log-out and log-in through the HTML forms, including the second step of two-step verification. */
import { Secret, TOTP } from 'otpauth';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base, launch, PASSWORD, phone, uniqueEmail, unlabelledControls } from './support';

async function logOut(page: Page) {
  await page.locator('form[action="/logout"] button').click();
  await page.waitForURL(`${base()}/`);
  await expect.poll(() => page.locator('a[href="/login"]').count()).toBe(1);
}

async function logInForm(page: Page, email: string, password: string) {
  await page.goto(`${base()}/login?next=/account`);
  await page.locator('#login-email').fill(email);
  await page.locator('#login-password').fill(password);
  await page.locator('form[action="/login"] button[type="submit"]').click();
}

describe('accounts in the browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('signs up, logs out, and logs in again', async () => {
    const context = await phone(browser);
    const page = await context.newPage();
    const email = uniqueEmail('signup');
    await page.goto(`${base()}/signup`);
    expect(await unlabelledControls(page)).toEqual([]);
    await page.locator('#signup-email').fill(email);
    await page.locator('#signup-name').fill('Browser Fan');
    // A weak password first: the form comes back with the reason, keeping what was typed.
    await page.locator('#signup-password').fill('password12');
    await page.locator('form[action="/signup"] button[type="submit"]').click();
    await expect.poll(() => page.locator('.flash.error').textContent()).toMatch(/common/i);
    expect(await page.locator('#signup-email').inputValue()).toBe(email);
    await page.locator('#signup-password').fill(PASSWORD);
    await page.locator('form[action="/signup"] button[type="submit"]').click();
    await page.waitForURL(/\/account/);
    await expect.poll(() => page.locator('main').textContent()).toContain(email);
    await logOut(page);

    await logInForm(page, email, 'not the password');
    await expect.poll(() => page.locator('.flash.error').textContent()).toMatch(/wrong/i);
    await logInForm(page, email, PASSWORD);
    await page.waitForURL(`${base()}/account`);
    await expect.poll(() => page.locator('main h1').textContent()).toBe('Your account');
    expect(await unlabelledControls(page)).toEqual([]);
    // Web Push: the opt-in appears because this browser has the Notifications and Push APIs; it answers when used.
    await context.grantPermissions(['notifications'], { origin: base() });
    await page.locator('#push-optin').waitFor({ state: 'visible', timeout: 5000 });
    await page.locator('#push-optin-button').click();
    await expect
      .poll(() => page.locator('#push-optin-state').textContent(), { timeout: 10_000 })
      .toMatch(/notifications|device|server/i);
    const pushState = await page.locator('#push-optin-state').textContent();
    console.log(`[e2e] Web Push opt-in answered: ${pushState}`);
    expect(pushState).not.toBe('Turning on…');
    await context.close();
  });

  it('turns on two-step verification and then logs in with a TOTP code', async () => {
    const context = await phone(browser);
    const page = await context.newPage();
    const email = uniqueEmail('totp');
    await page.goto(`${base()}/signup`);
    await page.locator('#signup-email').fill(email);
    await page.locator('#signup-password').fill(PASSWORD);
    await page.locator('form[action="/signup"] button[type="submit"]').click();
    await page.waitForURL(/\/account/);

    await page.locator('form[action="/account/mfa/enroll"] button').click();
    const secret = (await page.locator('#mfa-secret').textContent())!.trim();
    const totp = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
    await page.locator('#mfa-code').fill(totp.generate());
    await page.locator('form[action="/account/mfa/confirm"] button').click();
    await expect.poll(() => page.locator('.codes li').count()).toBeGreaterThan(0);
    await logOut(page);

    await logInForm(page, email, PASSWORD);
    await expect.poll(() => page.locator('h1').last().textContent()).toBe('Two-step verification');
    // The next period's code: the one used to confirm cannot be used twice.
    await page.locator('#login-totp').fill(totp.generate({ timestamp: Date.now() + 30_000 }));
    await page.locator('form[action="/login"] button[type="submit"]').click();
    await page.waitForURL(`${base()}/account`);
    await expect.poll(() => page.locator('#mfa').locator('xpath=..').textContent()).toContain('On.');
    await context.close();
  });
});
