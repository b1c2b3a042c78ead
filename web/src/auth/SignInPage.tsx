import {
  Alert,
  Anchor,
  Button,
  Center,
  Divider,
  Paper,
  PasswordInput,
  Stack,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useState } from "react";
import type { FormEvent } from "react";
import { ApiError } from "../api/http";
import { navigate } from "../app/router";
import { signIn, signUp, useProviders, useSessionChanged } from "./session";

type Mode = "sign-in" | "sign-up";

/**
 * Sign in (password, then the authenticator code when the account asks for one, or an identity
 * provider the server has configured) and sign up. `next` is where to go once signed in.
 */
export function SignInPage({ mode, next }: { mode: Mode; next: string }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [totpCode, setTotpCode] = useState("");
  const [needsCode, setNeedsCode] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const providers = useProviders();
  const sessionChanged = useSessionChanged();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      let landing: string | null = null;
      if (mode === "sign-up") landing = await signUp({ email, password, displayName });
      else if (needsCode) await signIn(totpCode.length > 6 ? { email, password, recoveryCode: totpCode } : { email, password, totpCode });
      else await signIn({ email, password });
      await sessionChanged();
      // A new person lands on their getting-started canvas, unless they came for something else.
      navigate(landing && next === "/projects" ? landing : next, true);
    } catch (failure) {
      const refusal =
        failure instanceof ApiError ? failure : new ApiError(0, String(failure), "", {});
      if (refusal.reason === "MFA_REQUIRED") setNeedsCode(true);
      else setError(refusal);
    } finally {
      setBusy(false);
    }
  }

  const field = (name: string) => error?.fields[name];
  const other = mode === "sign-in" ? "/signup" : "/signin";
  return (
    <Center mih="100vh" bg="var(--mantine-color-body)">
      <Paper withBorder shadow="sm" p="xl" w={380} radius="md">
        <form onSubmit={submit}>
          <Stack>
            <Title order={2}>{mode === "sign-in" ? "Sign in to Easel" : "Create your account"}</Title>
            {error && !Object.keys(error.fields).length && (
              <Alert color="red" title="That did not work">
                {error.message}
              </Alert>
            )}
            {mode === "sign-up" && (
              <TextInput
                label="Your name"
                value={displayName}
                onChange={(e) => setDisplayName(e.currentTarget.value)}
                error={field("displayName")}
                autoComplete="name"
              />
            )}
            <TextInput
              label="Email"
              type="email"
              required
              value={email}
              onChange={(e) => setEmail(e.currentTarget.value)}
              error={field("email")}
              autoComplete="email"
              disabled={needsCode}
            />
            <PasswordInput
              label="Password"
              required
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
              error={field("password")}
              autoComplete={mode === "sign-in" ? "current-password" : "new-password"}
              disabled={needsCode}
            />
            {needsCode && (
              <TextInput
                label="Authenticator code"
                description="The 6-digit code from your authenticator app, or one of your recovery codes"
                required
                autoFocus
                value={totpCode}
                onChange={(e) => setTotpCode(e.currentTarget.value.trim())}
                error={field("totpCode") ?? field("recoveryCode")}
                autoComplete="one-time-code"
              />
            )}
            <Button type="submit" loading={busy}>
              {mode === "sign-in" ? (needsCode ? "Verify" : "Sign in") : "Sign up"}
            </Button>
            {(providers.data?.length ?? 0) > 0 && (
              <>
                <Divider label="or" labelPosition="center" />
                {providers.data?.map((name) => (
                  <Button
                    key={name}
                    variant="default"
                    component="a"
                    href={`/v1/auth/oidc/${encodeURIComponent(name)}/start?redirect=${encodeURIComponent(next)}`}
                  >
                    Continue with {providerLabel(name)}
                  </Button>
                ))}
              </>
            )}
            <Text size="sm" c="dimmed">
              {mode === "sign-in" ? "New to Easel? " : "Already have an account? "}
              <Anchor
                href={other}
                onClick={(e) => {
                  e.preventDefault();
                  navigate(`${other}?next=${encodeURIComponent(next)}`);
                }}
              >
                {mode === "sign-in" ? "Create an account" : "Sign in"}
              </Anchor>
            </Text>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}

/** "github" → "GitHub", "my-idp" → "My-idp". */
export function providerLabel(name: string): string {
  const known: Record<string, string> = { github: "GitHub", google: "Google", gitlab: "GitLab" };
  return known[name] ?? name.charAt(0).toUpperCase() + name.slice(1);
}
