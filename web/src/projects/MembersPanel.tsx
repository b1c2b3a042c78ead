import { ActionIcon, Button, Card, Group, Select, Stack, Table, Text, TextInput, Title, Tooltip } from "@mantine/core";
import { useState } from "react";
import type { ProjectJson } from "../api/gen/v1/projects_pb.js";
import { ErrorNote } from "../app/ErrorNote";
import { ROLES, useAddMember, useChangeRole, useInvitations, useInvite, useRemoveMember, useRevokeInvitation } from "./api";
import type { Role } from "./api";

/** Members with their roles (owners change them), and invitations by email (owners send and revoke). */
export function MembersPanel({ project }: { project: ProjectJson }) {
  const projectId = project.projectId ?? "";
  const owner = project.role === "owner";
  const changeRole = useChangeRole(projectId);
  const remove = useRemoveMember(projectId);
  const addMember = useAddMember(projectId);
  const invite = useInvite(projectId);
  const revoke = useRevokeInvitation(projectId);
  const invitations = useInvitations(projectId, owner);
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("editor");
  const [link, setLink] = useState("");
  return (
    <Card withBorder>
      <Stack>
        <Title order={4}>Members</Title>
        <Table>
          <Table.Tbody>
            {project.members?.map((member) => (
              <Table.Tr key={member.userId}>
                <Table.Td>
                  <Text size="sm">{member.displayName || member.email}</Text>
                  <Text size="xs" c="dimmed">{member.email}</Text>
                </Table.Td>
                <Table.Td>
                  {owner ? (
                    <Select
                      aria-label={`Role of ${member.email}`}
                      size="xs"
                      w={120}
                      data={[...ROLES]}
                      value={member.role ?? null}
                      onChange={(value) => value && member.userId && changeRole.mutate({ userId: member.userId, role: value as Role })}
                    />
                  ) : (
                    <Text size="sm">{member.role}</Text>
                  )}
                </Table.Td>
                {owner && (
                  <Table.Td>
                    <Tooltip label="Remove from the project">
                      <ActionIcon variant="subtle" color="red" aria-label={`Remove ${member.email}`} onClick={() => member.userId && remove.mutate(member.userId)}>
                        ×
                      </ActionIcon>
                    </Tooltip>
                  </Table.Td>
                )}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        <ErrorNote error={changeRole.error ?? remove.error} />
        {owner && (
          <>
            <Group align="flex-end" gap="xs">
              <TextInput label="Email" placeholder="colleague@example.com" value={email} onChange={(e) => setEmail(e.currentTarget.value)} style={{ flex: 1 }} />
              <Select label="Role" w={120} data={[...ROLES]} value={role} onChange={(value) => value && setRole(value as Role)} />
            </Group>
            <Group gap="xs">
              <Button
                size="xs"
                disabled={!email.trim()}
                loading={invite.isPending}
                onClick={() =>
                  invite.mutate({ email: email.trim(), role }, {
                    onSuccess: (answer) => {
                      setEmail("");
                      setLink(answer.acceptUrl ?? "");
                    },
                  })
                }
              >
                Invite by email
              </Button>
              <Button size="xs" variant="default" disabled={!email.trim()} loading={addMember.isPending} onClick={() => addMember.mutate({ email: email.trim(), role }, { onSuccess: () => setEmail("") })}>
                Add existing account
              </Button>
            </Group>
            <ErrorNote error={invite.error ?? addMember.error ?? revoke.error} />
            {link && (
              <Text size="xs">
                Invitation link (also mailed when mail is configured): <code>{link}</code>
              </Text>
            )}
            {(invitations.data?.length ?? 0) > 0 && (
              <>
                <Title order={5}>Pending invitations</Title>
                <Table>
                  <Table.Tbody>
                    {invitations.data?.map((invitation) => (
                      <Table.Tr key={invitation.invitationId}>
                        <Table.Td><Text size="sm">{invitation.email}</Text></Table.Td>
                        <Table.Td><Text size="sm">{invitation.role}</Text></Table.Td>
                        <Table.Td>
                          <Button size="compact-xs" variant="subtle" color="red" onClick={() => invitation.invitationId && revoke.mutate(invitation.invitationId)}>
                            Revoke
                          </Button>
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </>
            )}
          </>
        )}
      </Stack>
    </Card>
  );
}
