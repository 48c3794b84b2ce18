import { describeImage } from './harness';

describeImage('debug');
