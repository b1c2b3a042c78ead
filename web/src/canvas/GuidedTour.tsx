import { Button, Group, Paper, Text, Title } from "@mantine/core";
import { useEffect, useState } from "react";

/** One step of the tour: what it says, and the element of the page it points at. */
export type TourStep = { title: string; text: string; target: string };

export const TOUR_STEPS: TourStep[] = [
  {
    title: "Run a cell",
    text: "This query reads the sample dataset penguins. Change the SQL and press Run (or Shift+Enter): every cell that reads it runs again.",
    target: '[data-cell] button[aria-label^="Run "]',
  },
  {
    title: "Add a chart",
    text: "Press Chart on a query to draw its result, then pick the columns and the chart type in the chart's form. Everyone on the canvas sees the same chart.",
    target: '[data-cell] button[aria-label^="Chart "]',
  },
  {
    title: "Invite someone",
    text: "Open the project to invite people: you see each other's cursors, edits and results live.",
    target: "[data-tour-project]",
  },
];

/** Where the tour's end is remembered: in this browser (localStorage), per person. */
export function tourKey(userId: string): string {
  return `easel.tour.done.${userId}`;
}

export function tourDone(userId: string, storage: Pick<Storage, "getItem"> = window.localStorage): boolean {
  try {
    return storage.getItem(tourKey(userId)) === "yes";
  } catch {
    return false;
  }
}

export function rememberTourDone(userId: string, storage: Pick<Storage, "setItem"> = window.localStorage): void {
  try {
    storage.setItem(tourKey(userId), "yes");
  } catch {
    // storage refused (private mode): the tour shows again next time
  }
}

/**
 * A short guided tour of a canvas (run a cell, add a chart, invite someone): a card in a corner,
 * the element each step talks about outlined. Skipped or finished, it is not shown again to that
 * person in that browser.
 */
export function GuidedTour({ userId }: { userId: string }) {
  const [step, setStep] = useState<number | null>(() => (tourDone(userId) ? null : 0));
  const current = step === null ? undefined : TOUR_STEPS[step];
  useEffect(() => {
    if (!current) return;
    let marked: Element | null = null;
    // the target may appear later (a cell's result arrives): look again until it does
    const mark = () => {
      const found = document.querySelector(current.target);
      if (found === marked) return;
      marked?.classList.remove("tour-target");
      marked = found;
      marked?.classList.add("tour-target");
    };
    mark();
    const timer = setInterval(mark, 500);
    return () => {
      clearInterval(timer);
      marked?.classList.remove("tour-target");
    };
  }, [current]);
  if (step === null || !current) return null;
  const finish = () => {
    rememberTourDone(userId);
    setStep(null);
  };
  const last = step === TOUR_STEPS.length - 1;
  return (
    <Paper className="guided-tour" withBorder shadow="lg" p="md" radius="md" data-tour-step={step + 1} role="dialog" aria-label="Guided tour">
      <Text size="xs" c="dimmed">
        Step {step + 1} of {TOUR_STEPS.length}
      </Text>
      <Title order={5} mb={4}>
        {current.title}
      </Title>
      <Text size="sm">{current.text}</Text>
      <Group justify="space-between" mt="sm">
        <Button size="xs" variant="subtle" color="gray" onClick={finish}>
          Skip tour
        </Button>
        <Group gap={6}>
          {step > 0 && (
            <Button size="xs" variant="default" onClick={() => setStep(step - 1)}>
              Back
            </Button>
          )}
          <Button size="xs" onClick={() => (last ? finish() : setStep(step + 1))}>
            {last ? "Done" : "Next"}
          </Button>
        </Group>
      </Group>
    </Paper>
  );
}
