import { Anchor, Center, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router-dom';

export function NotFoundPage() {
  return (
    <Center mih="100vh">
      <Stack align="center">
        <Title order={2}>Page not found</Title>
        <Text c="dimmed">There is nothing here, or it is not yours to see.</Text>
        <Anchor component={Link} to="/">
          Back to the console
        </Anchor>
      </Stack>
    </Center>
  );
}
