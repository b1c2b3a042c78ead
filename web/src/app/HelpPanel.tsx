import { ActionIcon, Kbd, Modal, SimpleGrid, Stack, Table, Text, Title, Tooltip } from "@mantine/core";
import { Fragment, useEffect, useState } from "react";
import { shortcutGroups, typingIn } from "./shortcuts";

/** The `?` button of the header and the panel of keyboard shortcuts it opens (so does `?` itself). */
export function HelpPanel() {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== "?" || event.ctrlKey || event.metaKey || event.altKey || typingIn(event.target)) return;
      event.preventDefault();
      setOpen(true);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
  return (
    <>
      <Tooltip label="Keyboard shortcuts (?)">
        <ActionIcon variant="default" aria-label="Keyboard shortcuts" onClick={() => setOpen(true)}>
          ?
        </ActionIcon>
      </Tooltip>
      <Modal opened={open} onClose={() => setOpen(false)} title={<Title order={4}>Keyboard shortcuts</Title>} size="min(920px, 96vw)">
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xl" verticalSpacing="md" data-testid="shortcuts">
          {shortcutGroups().map((group) => (
            <Stack key={group.title} gap={4}>
              <Text fw={600} size="sm">{group.title}</Text>
              <Table verticalSpacing={2} fz="sm" withRowBorders={false}>
                <Table.Tbody>
                  {group.shortcuts.map((shortcut) => (
                    <Table.Tr key={shortcut.what}>
                      <Table.Td style={{ whiteSpace: "nowrap", width: 1 }}>
                        {shortcut.keys.map((key, i) => (
                          <Fragment key={i}>
                            {i > 0 && " + "}
                            <Kbd size="xs">{key}</Kbd>
                          </Fragment>
                        ))}
                      </Table.Td>
                      <Table.Td>{shortcut.what}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Stack>
          ))}
        </SimpleGrid>
      </Modal>
    </>
  );
}
