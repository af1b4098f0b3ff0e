import { Anchor, Center, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router-dom';

/** Any path the console does not know. */
export function NotFoundPage() {
  return (
    <Center mih="100vh" component="main">
      <Stack align="center">
        <Title order={1} size="h2">
          Page not found
        </Title>
        <Text c="dimmed">There is nothing here, or it is not yours to see.</Text>
        <Anchor component={Link} to="/">
          Back to the console
        </Anchor>
      </Stack>
    </Center>
  );
}
